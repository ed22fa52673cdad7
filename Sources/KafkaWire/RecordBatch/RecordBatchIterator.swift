import NIOCore

/// Splits a `records` field (Produce, Fetch: concatenated batches) into batches,
/// as slices of the input without copying.
///
/// A Fetch response may end inside a batch (the broker cut at `max_bytes`): that
/// tail is returned as `.incomplete`, not an error, and iteration ends there.
public struct RecordBatchIterator: Sendable {
    public enum Element: Hashable, Sendable {
        case batch(RecordBatch)
        /// Trailing bytes too short for the batch they begin.
        case incomplete(ByteBuffer)
    }

    /// A log entry found by its length prefix alone, whatever its magic.
    package enum Entry: Sendable {
        case complete(ByteBuffer)
        case incomplete(ByteBuffer)
    }

    private var remaining: ByteBuffer

    public init(_ records: ByteBuffer) {
        self.remaining = records
    }

    /// The next batch (a complete magic-2 batch, else an error), the incomplete
    /// tail, or `nil` at the end.
    public mutating func next() throws(KafkaWireError) -> Element? {
        switch try nextEntry() {
        case nil: nil
        case .complete(let bytes): .batch(try RecordBatch(bytes: bytes))
        case .incomplete(let bytes): .incomplete(bytes)
        }
    }

    /// The next entry by `baseOffset`/`batchLength` framing, which every message
    /// format shares. A length under 14 (Kafka's minimum for any format) is corrupt.
    package mutating func nextEntry() throws(KafkaWireError) -> Entry? {
        let available = remaining.readableBytes
        if available == 0 { return nil }
        guard available >= RecordBatchLayout.logOverhead else { return .incomplete(takeRest()) }
        let length = Int(remaining.getInteger(at: remaining.readerIndex + RecordBatchLayout.batchLength, as: Int32.self)!)
        guard length >= RecordBatchLayout.minimumEntryLength else {
            throw KafkaWireError(.corruptBatch, "record batch length \(length) is below the minimum \(RecordBatchLayout.minimumEntryLength)")
        }
        let total = RecordBatchLayout.logOverhead + length
        guard available >= total else { return .incomplete(takeRest()) }
        return .complete(remaining.readSlice(length: total)!)
    }

    private mutating func takeRest() -> ByteBuffer {
        let rest = remaining
        remaining.moveReaderIndex(to: remaining.writerIndex)
        return rest
    }

    /// Splits `records` in one go: the complete batches and the incomplete tail, if any.
    public static func split(_ records: ByteBuffer) throws(KafkaWireError) -> (batches: [RecordBatch], incomplete: ByteBuffer?) {
        var iterator = RecordBatchIterator(records)
        var batches: [RecordBatch] = []
        while let element = try iterator.next() {
            switch element {
            case .batch(let batch): batches.append(batch)
            case .incomplete(let tail): return (batches, tail)
            }
        }
        return (batches, nil)
    }
}
