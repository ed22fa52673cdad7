import NIOCore

/// The checks a Kafka broker makes on one partition's `records` in a Produce
/// request (`ProduceRequest.validateRecords`, `UnifiedLog.analyzeAndValidateRecords`,
/// `LogValidator`), in Kafka's order, each failure mapped to Kafka's error code.
///
/// Where Kafka has no rule (reserved attribute bits, timestamp type sent by the
/// producer, codec ids 5–7, a truncated trailing batch, compression bombs) the
/// choice is documented at the check.
public struct RecordBatchValidator: Sendable {
    /// `max.message.bytes`: the largest batch, header included (Kafka's default).
    public var maxBatchBytes: Int = 1_048_588
    /// Decompression stops here (MESSAGE_TOO_LARGE): a bomb costs at most this much.
    public var maxUncompressedBytes: Int = 64 << 20
    /// Produce v3+ carries exactly one batch per partition (Kafka enforces it).
    public var requireSingleBatch = true
    /// zstd needs Produce v7+; false for older request versions.
    public var allowZstd = true
    /// Accepted CreateTime record timestamps (`now − timestamp.before.max.ms …
    /// now + timestamp.after.max.ms`); `nil` accepts any.
    public var timestampRange: ClosedRange<Int64>?
    /// Compacted topics need a key on every record.
    public var requireKeys = false

    public init() {}

    /// Validates `records`; on success returns the batches to append.
    public func validate(_ records: ByteBuffer) throws(RecordValidationError) -> ValidatedRecords {
        var iterator = RecordBatchIterator(records)
        var batches: [ValidatedBatch] = []
        var recordCount = 0
        var byteOffset = 0
        while let bytes = try nextBatchBytes(&iterator, index: batches.count) {
            let index = batches.count
            try checkFormat(bytes, index: index)
            if index == 0 && requireSingleBatch {
                var lookahead = iterator
                if case .complete = try? lookahead.nextEntry() {
                    throw RecordValidationError(
                        .invalidRecord, "produce requests may carry exactly one record batch per partition", batchIndex: 1)
                }
            }
            var batch = try checkBatch(bytes, index: index)
            batch.byteOffset = byteOffset
            byteOffset += bytes.readableBytes
            recordCount += Int(batch.header.recordsCount)
            batches.append(batch)
        }
        guard !batches.isEmpty else {
            throw RecordValidationError(.invalidRecord, "produce requests need at least one record batch per partition", batchIndex: 0)
        }
        return ValidatedRecords(batches: batches, recordCount: recordCount)
    }

    /// The next complete entry. Kafka silently drops a truncated tail on produce;
    /// no real client sends one, so it is refused here as CORRUPT_MESSAGE.
    private func nextBatchBytes(_ iterator: inout RecordBatchIterator, index: Int) throws(RecordValidationError) -> ByteBuffer? {
        let entry: RecordBatchIterator.Entry?
        do throws(KafkaWireError) {
            entry = try iterator.nextEntry()
        } catch {
            throw RecordValidationError(.corruptMessage, error.message, batchIndex: index)
        }
        switch entry {
        case nil: return nil
        case .complete(let bytes): return bytes
        case .incomplete(let tail):
            throw RecordValidationError(.corruptMessage, "incomplete record batch of \(tail.readableBytes) bytes at the end", batchIndex: index)
        }
    }

    /// Magic and codec: what Kafka checks before anything else.
    private func checkFormat(_ bytes: ByteBuffer, index: Int) throws(RecordValidationError) {
        // Kafka answers INVALID_RECORD for magic 0/1 in Produce v3+ (every version
        // a v2-only broker speaks), not UNSUPPORTED_FOR_MESSAGE_FORMAT.
        let magic = bytes.getInteger(at: bytes.readerIndex + RecordBatchLayout.magic, as: Int8.self)!
        guard magic == 2 else {
            throw RecordValidationError(.invalidRecord, "record batch magic \(magic); only magic 2 is accepted", batchIndex: index)
        }
        // Codec ids 5–7 make Kafka throw an internal error; the specific code is kinder.
        let attributes = bytes.getInteger(at: bytes.readerIndex + RecordBatchLayout.attributes, as: Int16.self) ?? 0
        guard let codec = CompressionCodec(batchAttributes: attributes) else {
            throw RecordValidationError(.unsupportedCompressionType, "unknown compression codec \(attributes & 0x7)", batchIndex: index)
        }
        guard codec != .zstd || allowZstd else {
            throw RecordValidationError(.unsupportedCompressionType, "zstd needs Produce v7 or later", batchIndex: index)
        }
    }

    private func checkBatch(_ bytes: ByteBuffer, index: Int) throws(RecordValidationError) -> ValidatedBatch {
        func fail(_ code: KafkaErrorCode, _ message: String) -> RecordValidationError {
            RecordValidationError(code, message, batchIndex: index)
        }
        let size = bytes.readableBytes
        guard size >= RecordBatchHeader.size, let header = try? RecordBatchHeader(from: bytes, at: bytes.readerIndex) else {
            throw fail(.corruptMessage, "record batch of \(size) bytes is shorter than the \(RecordBatchHeader.size)-byte header")
        }
        guard header.baseOffset == 0 else {
            throw fail(.invalidRecord, "baseOffset must be 0 from producers, got \(header.baseOffset)")
        }
        guard size <= maxBatchBytes else {
            throw fail(.messageTooLarge, "record batch of \(size) bytes exceeds the maximum \(maxBatchBytes)")
        }
        let crcStart = bytes.readerIndex + RecordBatchLayout.crcStart
        let crc = CRC32C.checksum(bytes, at: crcStart, length: bytes.writerIndex - crcStart)!
        guard crc == header.crc else {
            throw fail(.corruptMessage, "record batch CRC is \(hex(crc)), header says \(hex(header.crc))")
        }
        // Bits 7–15 are unused; Kafka ignores them, but a set bit means a client
        // speaking a format this broker does not know.
        guard !header.hasReservedAttributeBits else {
            throw fail(.invalidRecord, "reserved attribute bits set: \(hex(UInt16(bitPattern: header.attributes)))")
        }
        guard Int64(header.lastOffsetDelta) + 1 > 0 else {
            throw fail(.invalidRecord, "invalid offset range: lastOffsetDelta \(header.lastOffsetDelta)")
        }
        guard header.recordsCount > 0 else {
            throw fail(.invalidRecord, "invalid record count \(header.recordsCount)")
        }
        guard Int64(header.lastOffsetDelta) + 1 == Int64(header.recordsCount) else {
            throw fail(.invalidRecord, "lastOffsetDelta \(header.lastOffsetDelta) disagrees with \(header.recordsCount) records")
        }
        guard !header.isControl else {
            throw fail(.invalidRecord, "clients may not write control batches")
        }
        guard !header.hasProducerId || header.baseSequence >= 0 else {
            throw fail(.invalidRecord, "producerId \(header.producerId) with negative baseSequence \(header.baseSequence)")
        }
        guard header.timestampType == .createTime else {
            throw fail(.invalidTimestamp, "producers must send CreateTime batches")
        }
        let records = try uncompressedRecords(bytes, header: header, index: index)
        let maxTimestamp = try checkRecords(records, header: header, batchIndex: index)
        return ValidatedBatch(header: header, byteOffset: 0, maxRecordTimestamp: maxTimestamp)
    }

    /// A corrupt compressed blob is CORRUPT_MESSAGE; one that inflates past the
    /// limit is MESSAGE_TOO_LARGE.
    private func uncompressedRecords(_ bytes: ByteBuffer, header: RecordBatchHeader, index: Int) throws(RecordValidationError) -> ByteBuffer {
        let payload = bytes.getSlice(at: bytes.readerIndex + RecordBatchLayout.records, length: bytes.readableBytes - RecordBatchLayout.records)!
        guard let codec = header.compression, codec != .none else { return payload }
        var out = ByteBuffer()
        do throws(KafkaWireError) {
            try codec.decompress(payload, maxOutputBytes: maxUncompressedBytes, into: &out)
        } catch {
            let code: KafkaErrorCode = error.code == .limitExceeded ? .messageTooLarge : .corruptMessage
            throw RecordValidationError(code, "\(codec) records: \(error.message)", batchIndex: index)
        }
        return out
    }
}

private func hex(_ value: some FixedWidthInteger) -> String {
    "0x" + String(value, radix: 16)
}
