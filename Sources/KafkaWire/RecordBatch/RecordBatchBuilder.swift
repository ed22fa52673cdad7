import NIOCore

/// Builds one record batch v2: records in, bytes with lengths and CRC out.
///
/// Offsets deltas count from 0 and timestamps are relative to the first record's,
/// as Kafka's own builder does. Set the producer fields for idempotent batches.
public struct RecordBatchBuilder: Sendable {
    public var baseOffset: Int64 = 0
    /// -1 (unknown) from producers; the broker sets it on append.
    public var partitionLeaderEpoch: Int32 = -1
    public var compression: CompressionCodec
    public var timestampType: TimestampType = .createTime
    public var isTransactional = false
    public var isControl = false
    public var producerId: Int64 = -1
    public var producerEpoch: Int16 = -1
    public var baseSequence: Int32 = -1
    /// Timestamp deltas are relative to this; set by the first `append(timestamp:…)`
    /// unless given.
    public var baseTimestamp: Int64?

    /// Records appended so far, encoded but uncompressed.
    private var records = ByteBuffer()
    public private(set) var recordCount: Int32 = 0
    private var maxTimestamp: Int64 = -1
    private var lastOffsetDelta: Int32 = -1

    public init(compression: CompressionCodec = .none) {
        self.compression = compression
    }

    /// Appends a record at the next offset delta.
    public mutating func append(
        timestamp: Int64,
        key: ByteBuffer?,
        value: ByteBuffer?,
        headers: [RecordHeader] = []
    ) {
        let base = baseTimestamp ?? timestamp
        baseTimestamp = base
        append(Record(timestampDelta: timestamp &- base, offsetDelta: recordCount, key: key, value: value, headers: headers))
    }

    /// Appends a record with its deltas as given (to re-encode decoded records).
    public mutating func append(_ record: Record) {
        let base = baseTimestamp ?? 0
        baseTimestamp = base
        record.encode(into: &records)
        recordCount += 1
        maxTimestamp = max(maxTimestamp, base &+ record.timestampDelta)
        lastOffsetDelta = max(lastOffsetDelta, record.offsetDelta)
    }

    /// Appends the complete batch to `out`.
    public func encode(into out: inout ByteBuffer) throws(KafkaWireError) {
        var header = RecordBatchHeader(
            baseOffset: baseOffset,
            partitionLeaderEpoch: partitionLeaderEpoch,
            lastOffsetDelta: recordCount == 0 ? -1 : lastOffsetDelta,
            baseTimestamp: baseTimestamp ?? -1,
            maxTimestamp: recordCount == 0 ? (baseTimestamp ?? -1) : maxTimestamp,
            producerId: producerId,
            producerEpoch: producerEpoch,
            baseSequence: baseSequence,
            recordsCount: recordCount
        )
        header.compression = compression
        header.timestampType = timestampType
        header.isTransactional = isTransactional
        header.isControl = isControl

        let start = out.writerIndex
        header.encode(into: &out)
        do throws(KafkaWireError) {
            try compression.compress(records, into: &out)
        } catch {
            out.moveWriterIndex(to: start)
            throw error
        }
        let total = out.writerIndex - start
        guard total - RecordBatchLayout.logOverhead <= Int(Int32.max) else {
            out.moveWriterIndex(to: start)
            throw KafkaWireError(.limitExceeded, "record batch of \(total) bytes exceeds the int32 length")
        }
        out.setInteger(Int32(total - RecordBatchLayout.logOverhead), at: start + RecordBatchLayout.batchLength)
        let crcStart = start + RecordBatchLayout.crcStart
        let crc = CRC32C.checksum(out, at: crcStart, length: out.writerIndex - crcStart)!
        out.setInteger(crc, at: start + RecordBatchLayout.crc)
    }

    /// The complete batch as a new buffer.
    public func build() throws(KafkaWireError) -> ByteBuffer {
        var out = ByteBuffer()
        out.reserveCapacity(RecordBatchHeader.size + records.readableBytes)
        try encode(into: &out)
        return out
    }
}
