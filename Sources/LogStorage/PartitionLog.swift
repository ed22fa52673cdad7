import KafkaWire
import Logging
import NIOCore
import Synchronization

/// The durable log of one topic partition: a directory of segments.
///
/// All state sits behind one lock. Appends write under it (they must be ordered
/// anyway); reads take it only to find where to read, then pread without it, so
/// fetches never wait for a write or an fsync.
public final class PartitionLog: Sendable {
    public let topicPartition: TopicPartition
    let directory: String
    let durability: Durability
    let files: FileHandleCache
    let flusher: Flusher
    let logger: Logger
    let state: Mutex<PartitionState>
    /// Encryption at rest; nil when no keyring is configured.
    let crypto: PartitionCrypto?
    /// When a fetch last logged that sealed data could not be opened (rate limit).
    let unopenableWarningMs = Atomic<Int64>(0)

    init(
        topicPartition: TopicPartition, directory: String, state: PartitionState,
        durability: Durability, files: FileHandleCache, flusher: Flusher, logger: Logger, crypto: PartitionCrypto? = nil
    ) {
        self.crypto = crypto
        self.topicPartition = topicPartition
        self.directory = directory
        self.durability = durability
        self.files = files
        self.flusher = flusher
        var logger = logger
        logger[metadataKey: "partition"] = "\(topicPartition)"
        self.logger = logger
        self.state = Mutex(state)
    }

    public var logStartOffset: Int64 { state.withLock { $0.logStartOffset } }

    /// The offset the next record gets; the high watermark on a single node.
    public var logEndOffset: Int64 { state.withLock { $0.logEndOffset } }

    var config: LogConfig { state.withLock { $0.config } }

    func update(config: LogConfig) {
        state.withLock { $0.config = config }
    }

    /// In group-commit mode, returns once an fsync covering `offset` has completed.
    /// Concurrent callers share fsyncs: the flusher covers every partition that has
    /// waiters in one round. A no-op in page-cache mode.
    public func waitUntilDurable(_ offset: Int64) async throws(StorageError) {
        guard durability == .groupCommit else { return }
        let ready: Bool = try state.withLock { (state) throws(StorageError) -> Bool in
            if state.durableOffset > offset { return true }
            if let failure = state.failure { throw failure }
            return false
        }
        if ready { return }
        do {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow: Result<Void, StorageError>? = state.withLock { state in
                    if state.durableOffset > offset { return .success(()) }
                    if let failure = state.failure { return .failure(failure) }
                    state.durableWaiters.append(DurableWaiter(offset: offset, continuation: continuation))
                    return nil
                }
                if let resumeNow {
                    continuation.resume(with: resumeNow.mapError { $0 as any Error })
                } else {
                    flusher.requestFlush(self)
                }
            }
        } catch let error as StorageError {
            throw error
        } catch {
            throw StorageError(.kafkaStorageError, "\(topicPartition): \(error)")
        }
    }

    /// Returns when `logEndOffset > offset` or after `timeout`, for Fetch long polling.
    /// A waiter costs one dictionary entry and one sleeping task.
    public func waitForAppend(after offset: Int64, timeout: Duration) async {
        let id: UInt64? = state.withLock { state in
            if state.logEndOffset > offset || state.failure != nil { return nil }
            let id = state.nextWaiterID
            state.nextWaiterID += 1
            state.appendWaiters[id] = .pending
            return id
        }
        guard let id else { return }
        let timer = Task { [weak self] in
            do {
                try await Task.sleep(for: timeout)
            } catch {
                return  // cancelled: the waiter was woken otherwise
            }
            self?.expireAppendWaiter(id)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let registered = state.withLock { state in
                    guard case .pending = state.appendWaiters[id], state.logEndOffset <= offset, state.failure == nil else {
                        state.appendWaiters[id] = nil
                        return false
                    }
                    state.appendWaiters[id] = .waiting(after: offset, continuation)
                    return true
                }
                if !registered { continuation.resume() }
            }
        } onCancel: {
            expireAppendWaiter(id)
        }
        timer.cancel()
        state.withLock { _ = $0.appendWaiters.removeValue(forKey: id) }
    }

    /// Timeout or cancellation: wakes the waiter, or marks it so it does not wait.
    private func expireAppendWaiter(_ id: UInt64) {
        let continuation: CheckedContinuation<Void, Never>? = state.withLock { state in
            switch state.appendWaiters[id] {
            case .waiting(_, let continuation):
                state.appendWaiters[id] = nil
                return continuation
            case .pending:
                state.appendWaiters[id] = .expired
                return nil
            case .expired, nil:
                return nil
            }
        }
        continuation?.resume()
    }

    /// Takes the waiters a new log end offset satisfies (resume them unlocked).
    static func takeSatisfiedAppendWaiters(_ state: inout PartitionState) -> [CheckedContinuation<Void, Never>] {
        guard !state.appendWaiters.isEmpty else { return [] }
        let end = state.logEndOffset
        var ready: [CheckedContinuation<Void, Never>] = []
        for (id, waiter) in state.appendWaiters {
            if case .waiting(let after, let continuation) = waiter, after < end {
                ready.append(continuation)
                state.appendWaiters[id] = nil
            }
        }
        return ready
    }

    /// Stops serving: pending waiters are released with `failure`, files are closed.
    func shutDown(_ failure: StorageError) {
        let (durable, appends) = state.withLock { state -> ([DurableWaiter], [CheckedContinuation<Void, Never>]) in
            if state.failure == nil { state.failure = failure }
            let durable = state.durableWaiters
            state.durableWaiters = []
            let appends = state.appendWaiters.values.compactMap(\.continuation)
            state.appendWaiters = state.appendWaiters.mapValues { _ in .expired }
            return (durable, appends)
        }
        for waiter in durable { waiter.continuation.resume(throwing: failure) }
        for continuation in appends { continuation.resume() }
        files.forgetAll(under: directory)
    }

    func checkServing(_ state: PartitionState) throws(StorageError) {
        if let failure = state.failure { throw failure }
    }
}
