import NIOCore

/// One complete record batch v2, as a slice of the bytes it arrived in.
///
/// Construction checks only the framing (size, magic, `batchLength`); the CRC and
/// Kafka's produce rules are `RecordBatchValidator`'s job, so fetch-side code can
/// look at batches without paying for them.
public struct RecordBatch: Hashable, Sendable {
    /// The whole batch, `baseOffset` through the last record byte.
    public private(set) var bytes: ByteBuffer
    /// The decoded header (kept in step with `bytes` by the mutating methods).
    public private(set) var header: RecordBatchHeader

    /// Wraps one batch: at least 61 bytes, magic 2, `batchLength` equal to the bytes given.
    public init(bytes: ByteBuffer) throws(KafkaWireError) {
        guard bytes.readableBytes >= RecordBatchHeader.size else {
            throw KafkaWireError(.corruptBatch, "record batch of \(bytes.readableBytes) bytes is shorter than its header")
        }
        let header = try RecordBatchHeader(from: bytes, at: bytes.readerIndex)
        guard header.magic == 2 else {
            throw KafkaWireError(.corruptBatch, "record batch magic \(header.magic), expected 2")
        }
        guard header.totalSize == bytes.readableBytes else {
            throw KafkaWireError(.corruptBatch, "batchLength \(header.batchLength) disagrees with \(bytes.readableBytes) bytes")
        }
        self.bytes = bytes
        self.header = header
    }

    /// The records section: the records themselves, or one compressed blob of them.
    public var payload: ByteBuffer {
        bytes.getSlice(at: bytes.readerIndex + RecordBatchLayout.records, length: bytes.readableBytes - RecordBatchLayout.records)!
    }

    /// CRC-32C over `attributes` to the end, computed now.
    public func computeChecksum() -> UInt32 {
        let start = RecordBatchLayout.crcStart
        return CRC32C.checksum(bytes, at: bytes.readerIndex + start, length: bytes.readableBytes - start)!
    }

    /// Whether the stored CRC matches the bytes.
    public var isChecksumValid: Bool { computeChecksum() == header.crc }

    /// The records section uncompressed (a slice, not a copy, when uncompressed).
    /// Decompression stops with `.limitExceeded` past `maxUncompressedBytes`.
    public func uncompressedRecords(maxUncompressedBytes: Int) throws(KafkaWireError) -> ByteBuffer {
        guard let codec = header.compression else {
            throw KafkaWireError(.compression, "unknown compression codec \(header.attributes & 0x7)")
        }
        if codec == .none { return payload }
        var out = ByteBuffer()
        try codec.decompress(payload, maxOutputBytes: maxUncompressedBytes, into: &out)
        return out
    }

    /// Iterates the records, decompressing first if needed.
    public func makeRecordIterator(maxUncompressedBytes: Int) throws(KafkaWireError) -> RecordIterator {
        guard header.recordsCount >= 0 else {
            throw KafkaWireError(.corruptBatch, "negative record count \(header.recordsCount)")
        }
        return RecordIterator(
            records: try uncompressedRecords(maxUncompressedBytes: maxUncompressedBytes),
            count: Int(header.recordsCount)
        )
    }

    /// All records of the batch.
    public func decodeRecords(maxUncompressedBytes: Int) throws(KafkaWireError) -> [Record] {
        var iterator = try makeRecordIterator(maxUncompressedBytes: maxUncompressedBytes)
        var records: [Record] = []
        // Bounded by the bytes: every record takes at least 7 bytes.
        records.reserveCapacity(min(iterator.count, iterator.remainingBytes / 7))
        while let record = try iterator.next() { records.append(record) }
        return records
    }

    /// Sets `baseOffset` and `partitionLeaderEpoch` in place. Both lie outside the
    /// CRC, so the batch stays valid without recomputing it.
    public mutating func assign(baseOffset: Int64, partitionLeaderEpoch: Int32) {
        bytes.setInteger(baseOffset, at: bytes.readerIndex + RecordBatchLayout.baseOffset)
        bytes.setInteger(partitionLeaderEpoch, at: bytes.readerIndex + RecordBatchLayout.partitionLeaderEpoch)
        header.baseOffset = baseOffset
        header.partitionLeaderEpoch = partitionLeaderEpoch
    }
}
