/// Why a produce's records were refused, as the Kafka error code to answer with.
public struct RecordValidationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The partition-level error code for the Produce response.
    public var errorCode: KafkaErrorCode
    /// Human-readable detail (Produce v8+ `error_message`).
    public var message: String
    /// Which batch of the `records` field (0-based) failed.
    public var batchIndex: Int
    /// Which record of that batch failed, for per-record rules (Produce v8+
    /// `record_errors.batch_index`); `nil` for batch-level failures.
    public var recordIndex: Int?

    public init(_ errorCode: KafkaErrorCode, _ message: String, batchIndex: Int, recordIndex: Int? = nil) {
        self.errorCode = errorCode
        self.message = message
        self.batchIndex = batchIndex
        self.recordIndex = recordIndex
    }

    public var description: String {
        let record = recordIndex.map { " record \($0)" } ?? ""
        return "error \(errorCode.rawValue) (batch \(batchIndex)\(record)): \(message)"
    }
}

/// What validation learned about one accepted batch.
public struct ValidatedBatch: Hashable, Sendable {
    public var header: RecordBatchHeader
    /// Where the batch starts, in bytes from the reader index of the validated records.
    public var byteOffset: Int
    /// The largest record timestamp, computed from the records (the header's
    /// `maxTimestamp` is the client's claim).
    public var maxRecordTimestamp: Int64

    public init(header: RecordBatchHeader, byteOffset: Int, maxRecordTimestamp: Int64) {
        self.header = header
        self.byteOffset = byteOffset
        self.maxRecordTimestamp = maxRecordTimestamp
    }
}

/// A `records` field that passed validation.
public struct ValidatedRecords: Hashable, Sendable {
    public var batches: [ValidatedBatch]
    /// Records over all batches: the number of offsets to assign.
    public var recordCount: Int

    public init(batches: [ValidatedBatch], recordCount: Int) {
        self.batches = batches
        self.recordCount = recordCount
    }
}
