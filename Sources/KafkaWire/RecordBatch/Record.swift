import NIOCore

/// One record of a v2 batch, as it is inside the (uncompressed) records section.
///
/// Decoded records hold slices of the batch bytes for key, value and header values:
/// nothing is copied. Timestamp and offset are deltas from the batch header
/// (`RecordBatchHeader.timestamp(of:)`, `.offset(of:)`).
public struct Record: Hashable, Sendable {
    /// Unused by Kafka so far; written as 0.
    public var attributes: Int8
    public var timestampDelta: Int64
    public var offsetDelta: Int32
    public var key: ByteBuffer?
    public var value: ByteBuffer?
    public var headers: [RecordHeader]

    public init(
        attributes: Int8 = 0,
        timestampDelta: Int64 = 0,
        offsetDelta: Int32 = 0,
        key: ByteBuffer? = nil,
        value: ByteBuffer? = nil,
        headers: [RecordHeader] = []
    ) {
        self.attributes = attributes
        self.timestampDelta = timestampDelta
        self.offsetDelta = offsetDelta
        self.key = key
        self.value = value
        self.headers = headers
    }
}

/// A record header: a non-null UTF-8 key and a nullable value.
public struct RecordHeader: Hashable, Sendable {
    /// Decoded leniently (invalid UTF-8 becomes U+FFFD), as the Java client does.
    public var key: String
    public var value: ByteBuffer?

    public init(key: String, value: ByteBuffer?) {
        self.key = key
        self.value = value
    }
}

extension RecordBatchHeader {
    /// The absolute timestamp of `record` in this batch.
    public func timestamp(of record: Record) -> Int64 { baseTimestamp &+ record.timestampDelta }

    /// The absolute offset of `record` in this batch.
    public func offset(of record: Record) -> Int64 { baseOffset &+ Int64(record.offsetDelta) }
}
