import NIOCore

extension RecordBatchValidator {
    /// Walks every record of an uncompressed records section, allocating nothing
    /// per record. Returns the largest record timestamp.
    ///
    /// Kafka's rules: exactly `recordsCount` records filling the section, each
    /// well-formed with its length matching its fields (else INVALID_RECORD),
    /// offset deltas 0, 1, 2… (inner offsets must be continuous), a key when the
    /// topic is compacted, and timestamps inside the accepted range
    /// (INVALID_TIMESTAMP).
    func checkRecords(_ records: ByteBuffer, header: RecordBatchHeader, batchIndex: Int) throws(RecordValidationError) -> Int64 {
        let count = Int(header.recordsCount)
        return try records.withUnsafeReadableBytes { (bytes) throws(RecordValidationError) -> Int64 in
            var reader = RawBytesReader(bytes)
            var maxTimestamp = Int64.min
            for recordIndex in 0..<count {
                func fail(_ code: KafkaErrorCode, _ message: String) -> RecordValidationError {
                    RecordValidationError(code, message, batchIndex: batchIndex, recordIndex: recordIndex)
                }
                guard reader.remaining > 0 else {
                    throw fail(.invalidRecord, "batch declares \(count) records but holds \(recordIndex)")
                }
                let layout: RecordLayout
                do throws(KafkaWireError) {
                    layout = try reader.readRecordLayout()
                } catch {
                    throw fail(.invalidRecord, "malformed record: \(error.message)")
                }
                guard layout.offsetDelta == Int32(truncatingIfNeeded: recordIndex) else {
                    throw fail(.invalidRecord, "record offsetDelta \(layout.offsetDelta), expected \(recordIndex)")
                }
                guard layout.key != nil || !requireKeys else {
                    throw fail(.invalidRecord, "compacted topics need a key on every record")
                }
                let timestamp = header.baseTimestamp &+ layout.timestampDelta
                if let range = timestampRange, !range.contains(timestamp) {
                    throw fail(.invalidTimestamp, "timestamp \(timestamp) outside \(range.lowerBound)…\(range.upperBound)")
                }
                maxTimestamp = max(maxTimestamp, timestamp)
            }
            guard reader.remaining == 0 else {
                throw RecordValidationError(
                    .invalidRecord, "\(reader.remaining) bytes after the last of \(count) records", batchIndex: batchIndex)
            }
            return maxTimestamp
        }
    }
}
