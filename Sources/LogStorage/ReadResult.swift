import NIOCore

/// What a read returns, for the Fetch response.
public struct ReadResult: Sendable {
    /// Whole record batches in wire format (offsets assigned), possibly empty.
    public var records: ByteBuffer
    public var highWatermark: Int64
    public var logStartOffset: Int64

    public init(records: ByteBuffer, highWatermark: Int64, logStartOffset: Int64) {
        self.records = records
        self.highWatermark = highWatermark
        self.logStartOffset = logStartOffset
    }
}
