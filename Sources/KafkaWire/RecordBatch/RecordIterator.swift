import NIOCore

/// Iterates the records of one batch's (uncompressed) records section.
///
/// Checks that exactly `count` records fill the section. It does not require
/// offset deltas 0, 1, 2…: compacted batches in the log legitimately have gaps;
/// the produce validator checks the sequence instead.
public struct RecordIterator: Sendable {
    private var records: ByteBuffer
    /// The record count the batch header declares.
    public let count: Int
    private var index = 0

    init(records: ByteBuffer, count: Int) {
        self.records = records
        self.count = count
    }

    /// Bytes not yet decoded.
    public var remainingBytes: Int { records.readableBytes }

    /// The next record, or `nil` after the last; throws if the section holds fewer
    /// or more than `count` records or a record is malformed.
    public mutating func next() throws(KafkaWireError) -> Record? {
        guard index < count else {
            guard records.readableBytes == 0 else {
                throw KafkaWireError(.corruptBatch, "\(records.readableBytes) bytes after the last of \(count) records")
            }
            return nil
        }
        guard records.readableBytes > 0 else {
            throw KafkaWireError(.corruptBatch, "batch declares \(count) records but holds \(index)")
        }
        let record = try Record.decode(from: &records)
        index += 1
        return record
    }
}
