import KafkaWire

/// Idempotent-producer state of one partition: per producer id, its epoch and the
/// metadata of its last five batches (Kafka keeps five because a producer has at
/// most five requests in flight), enough to spot a retried batch and a sequence gap.
struct ProducerStateTable: Sendable, Hashable {
    static let batchesKept = 5

    struct BatchMetadata: Hashable, Sendable {
        var firstSequence: Int32
        var lastSequence: Int32
        var firstOffset: Int64
        var lastOffset: Int64
        var timestamp: Int64
    }

    struct Entry: Hashable, Sendable {
        var epoch: Int16
        var batches: [BatchMetadata]
        var lastTimestamp: Int64
    }

    enum Verdict: Equatable {
        case append
        /// A retry of a batch already in the log: answer with its original offsets.
        case duplicate(BatchMetadata)
    }

    var entries: [Int64: Entry] = [:]
    /// Changed since the last snapshot was written.
    var isDirty = false

    /// Kafka's sequence rules for a batch of `producerId`, without changing anything.
    func check(producerId: Int64, epoch: Int16, firstSequence: Int32, lastSequence: Int32, partition: TopicPartition) throws(StorageError) -> Verdict {
        guard let entry = entries[producerId] else {
            guard firstSequence == 0 else {
                throw StorageError(
                    .unknownProducerId,
                    "\(partition): unknown producer id \(producerId) sent sequence \(firstSequence); a new producer starts at 0")
            }
            return .append
        }
        if epoch < entry.epoch {
            throw StorageError(
                .invalidProducerEpoch, "\(partition): producer \(producerId) epoch \(epoch) is older than the current \(entry.epoch)")
        }
        if epoch > entry.epoch {
            guard firstSequence == 0 else {
                throw StorageError(
                    .outOfOrderSequenceNumber,
                    "\(partition): producer \(producerId) new epoch \(epoch) must start at sequence 0, got \(firstSequence)")
            }
            return .append
        }
        if let original = entry.batches.first(where: { $0.firstSequence == firstSequence && $0.lastSequence == lastSequence }) {
            return .duplicate(original)
        }
        let expected = entry.batches.last.map { Self.increment($0.lastSequence, by: 1) } ?? 0
        guard firstSequence == expected else {
            throw StorageError(
                .outOfOrderSequenceNumber,
                "\(partition): producer \(producerId) epoch \(epoch) sent sequence \(firstSequence), expected \(expected)")
        }
        return .append
    }

    /// Records an appended (or replayed) batch.
    mutating func record(producerId: Int64, epoch: Int16, batch: BatchMetadata) {
        var entry = entries[producerId] ?? Entry(epoch: epoch, batches: [], lastTimestamp: -1)
        if entry.epoch != epoch {
            entry = Entry(epoch: epoch, batches: [], lastTimestamp: -1)
        }
        entry.batches.append(batch)
        if entry.batches.count > Self.batchesKept { entry.batches.removeFirst(entry.batches.count - Self.batchesKept) }
        entry.lastTimestamp = batch.timestamp
        entries[producerId] = entry
        isDirty = true
    }

    /// Sequences wrap from Int32.max to 0 (Kafka's `incrementSequence`).
    static func increment(_ sequence: Int32, by delta: Int32) -> Int32 {
        if sequence > Int32.max - delta { return delta - (Int32.max - sequence) - 1 }
        return sequence + delta
    }
}
