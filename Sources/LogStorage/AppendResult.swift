/// What an append did, for the Produce response.
public struct AppendResult: Sendable, Hashable {
    /// Offset of the first record appended (or of the original, for a duplicate).
    public var baseOffset: Int64
    /// Offset of the last record appended.
    public var lastOffset: Int64
    /// The broker's timestamp for LogAppendTime topics; -1 otherwise (Kafka's rule).
    public var logAppendTime: Int64
    public var logStartOffset: Int64
    /// A retried batch of an idempotent producer: nothing was written, offsets are the original's.
    public var isDuplicate: Bool

    public init(baseOffset: Int64, lastOffset: Int64, logAppendTime: Int64, logStartOffset: Int64, isDuplicate: Bool) {
        self.baseOffset = baseOffset
        self.lastOffset = lastOffset
        self.logAppendTime = logAppendTime
        self.logStartOffset = logStartOffset
        self.isDuplicate = isDuplicate
    }
}
