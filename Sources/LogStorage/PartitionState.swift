import EnvelopeCrypto
import KafkaWire

/// Everything mutable about one partition, guarded by the partition's lock.
struct PartitionState: Sendable {
    var config: LogConfig
    /// Sorted by base offset; the last one is active (appended to). Never empty.
    var segments: [Segment]
    var logStartOffset: Int64
    /// Every offset below this is covered by an fsync.
    var durableOffset: Int64
    /// Records appended since the last fsync (flush.messages).
    var unflushedMessages: Int64 = 0
    /// When the oldest unflushed append happened (flush.ms), on the monotonic clock.
    var unflushedSince: ContinuousClock.Instant?
    /// Loaded on the first idempotent append (start-up stays cheap without it).
    var producers: ProducerStateTable?
    var durableWaiters: [DurableWaiter] = []
    var appendWaiters: [UInt64: AppendWaiter] = [:]
    var nextWaiterID: UInt64 = 0
    /// The sealer of the active segment (encryption at rest): a fresh DEK per segment and
    /// per process, retired after its batch quota. `sealerSegment` is the segment it seals.
    var sealer: BatchSealer?
    var sealerSegment: Int64 = -1
    /// Set when the partition can no longer serve: deleted, closed, or an fsync failed.
    var failure: StorageError?

    var active: Segment {
        get { segments[segments.count - 1] }
        set { segments[segments.count - 1] = newValue }
    }

    var logEndOffset: Int64 { active.nextOffset }

    /// The segment holding `offset` (the last one whose base is at or below it).
    func segmentIndex(containing offset: Int64) -> Int {
        var low = 0
        var high = segments.count
        while low < high {
            let mid = (low + high) / 2
            if segments[mid].baseOffset <= offset { low = mid + 1 } else { high = mid }
        }
        return max(0, low - 1)
    }

    var totalBytes: Int64 { segments.reduce(0) { $0 + $1.size } }
}

struct DurableWaiter: Sendable {
    var offset: Int64
    var continuation: CheckedContinuation<Void, any Error>
}

/// A Fetch long-poll waiter. `pending` covers the moment between taking an id and
/// registering the continuation, so a timeout or cancellation in that window is
/// remembered (`expired`) instead of lost.
enum AppendWaiter: Sendable {
    case pending
    case waiting(after: Int64, CheckedContinuation<Void, Never>)
    case expired

    var continuation: CheckedContinuation<Void, Never>? {
        if case .waiting(_, let continuation) = self { continuation } else { nil }
    }
}
