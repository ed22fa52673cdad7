import Foundation
import Logging
import Metrics

/// The broker's handle on the audit log.
///
/// `record(_:)` is cheap and never blocks on I/O: it queues the event (or merges it into an
/// open summary) and returns a ticket. One flush thread takes everything queued, writes it
/// with one `write` and one `fsync` (group commit), and then completes the tickets;
/// `waitDurable(_:)` returns once its event is on disk, so a handler that awaits it before
/// answering never acknowledges a request whose audit events could be lost.
///
/// Summarised events (identical allowed events inside the window) complete at once: they
/// are written when their window closes, so up to one window of them can be lost in a crash.
/// `bulwark.audit.mode=raw` makes every event durable before its acknowledgement.
///
/// Failures: if an event cannot be persisted (I/O error, full queue, closed writer), a
/// fail-closed event's `waitDurable` throws `AuditLogError.notPersisted` (answer the request
/// with a non-retryable error); a fail-open one returns, and `alarm` is called. After an I/O
/// failure the writer keeps trying with later batches and records how many events were lost
/// once it succeeds again.
public final class AuditLogWriter: @unchecked Sendable {
    /// Called (from the flush thread) when events could not be persisted: the error and how
    /// many events were lost.
    public typealias Alarm = @Sendable (AuditLogError, Int) -> Void

    public let config: AuditConfig
    public let publicKey: AuditPublicKey
    /// Encryption at rest of new events (and the key to read sealed ones back).
    public let sealing: AuditSealing?
    private let clock: @Sendable () -> Int64
    private let alarm: Alarm
    private let logger: Logger
    // Everything below is guarded by `condition`.
    private let condition = NSCondition()
    private var queue: [AuditEvent] = []
    private var summariser: AuditSummariser
    private var submitted: UInt64 = 0
    private var completed: UInt64 = 0
    private var failedRanges: [(range: ClosedRange<UInt64>, error: AuditLogError)] = []
    private var waiters: [(ticket: AuditTicket, continuation: CheckedContinuation<Void, any Error>)] = []
    private var flushRequested: UInt64 = 0
    private var flushDone: UInt64 = 0
    private var flushWaiters: [(generation: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
    private var closing = false
    private var stopped = false
    private var stats = AuditWriterStatistics()
    private var lostSinceLastSuccess = 0
    private var durableEventEnd: UInt64 = 1
    private var failing = false
    private let finished = DispatchSemaphore(value: 0)
    // Owned by the flush thread after init.
    private let store: AuditSegmentStore
    /// When commits happen: as events arrive (the broker), or only at `flush()` and
    /// `close()` (tests that assert the exact shape of segments and checkpoints, which
    /// otherwise depends on how the flush thread's wake-ups split the events into batches).
    let batching: Batching

    enum Batching: Sendable {
        case automatic
        case onFlushOnly
    }

    /// Opens (or creates) the log in `config.directory`, loading or creating the signing key
    /// at `config.keyFile` unless `key` is given, and starts the flush thread. A torn tail
    /// left by a crash is cut and recorded as an `auditLog` event.
    public convenience init(
        config: AuditConfig, key: AuditSigningKey? = nil,
        clock: @escaping @Sendable () -> Int64 = AuditLogWriter.systemMilliseconds,
        logger: Logger = Logger(label: "bulwark.audit"),
        alarm: @escaping Alarm = { _, _ in },
        sealing: AuditSealing? = nil
    ) throws(AuditLogError) {
        try self.init(config: config, key: key, clock: clock, logger: logger, alarm: alarm, sealing: sealing, batching: .automatic)
    }

    init(
        config: AuditConfig, key: AuditSigningKey?, clock: @escaping @Sendable () -> Int64,
        logger: Logger = Logger(label: "bulwark.audit"), alarm: @escaping Alarm = { _, _ in },
        sealing: AuditSealing? = nil, batching: Batching
    ) throws(AuditLogError) {
        self.sealing = sealing
        self.batching = batching
        self.config = config
        self.clock = clock
        self.alarm = alarm
        self.logger = logger
        let signingKey: AuditSigningKey
        if let key { signingKey = key } else { signingKey = try AuditSigningKey.loadOrCreate(path: config.keyFile) }
        self.publicKey = signingKey.publicKey
        self.summariser = AuditSummariser(window: config.summaryWindowMilliseconds)
        self.store = try AuditSegmentStore(config: config, key: signingKey, now: clock(), sealing: sealing)
        durableEventEnd = store.eventEnd
        queue.append(contentsOf: store.notes)
        for note in store.notes { logger.warning("audit log: \(note.reason)") }
        let thread = Thread { [self] in self.runFlushLoop() }
        thread.name = "bulwark-audit-flush"
        thread.start()
    }

    public static let systemMilliseconds: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }

    /// Queues `event`; never blocks on I/O.
    public func record(_ event: AuditEvent) -> AuditTicket {
        let failClosed = config.isFailClosed(event)
        condition.lock()
        if closing {
            stats.eventsLost += 1
            condition.unlock()
            return AuditTicket(number: 0, failClosed: failClosed, refused: true)
        }
        if config.isSummarisable(event) {
            let expired = summariser.absorb(event)
            stats.eventsSummarised += 1
            if !expired.isEmpty {
                queue.append(contentsOf: expired)
                condition.signal()
            }
            condition.unlock()
            return .none(failClosed: failClosed)
        }
        guard queue.count < config.queueMaxEvents else {
            stats.eventsLost += 1
            lostSinceLastSuccess += 1
            condition.unlock()
            if !failClosed { alarm(AuditLogError(.notPersisted, "audit queue full"), 1) }
            return AuditTicket(number: 0, failClosed: failClosed, refused: true)
        }
        queue.append(event)
        submitted += 1
        let ticket = AuditTicket(number: submitted, failClosed: failClosed, refused: false)
        condition.signal()
        condition.unlock()
        return ticket
    }

    /// Returns once the ticket's event is persisted (fsynced). Throws
    /// `AuditLogError.notPersisted` when it could not be and it is fail-closed.
    public func waitDurable(_ ticket: AuditTicket) async throws {
        if ticket.number == 0 {
            if ticket.refused && ticket.failClosed { throw AuditLogError(.notPersisted, "the audit event was not accepted") }
            return
        }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            condition.lock()
            if ticket.number <= completed {
                let outcome = outcomeLocked(ticket)
                condition.unlock()
                continuation.resume(with: outcome)
            } else {
                waiters.append((ticket, continuation))
                condition.unlock()
            }
        }
    }

    /// Writes everything recorded so far, including open summaries, and a checkpoint;
    /// returns when it is on disk.
    public func flush() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            condition.lock()
            if stopped {
                condition.unlock()
                continuation.resume(throwing: AuditLogError(.closed, "the audit writer is closed"))
                return
            }
            flushRequested += 1
            flushWaiters.append((flushRequested, continuation))
            condition.signal()
            condition.unlock()
        }
    }

    /// Drains the queue and open summaries, writes a final checkpoint and stops the thread.
    /// Idempotent; waits for the flush thread.
    public func close() {
        condition.lock()
        let first = !closing
        closing = true
        condition.signal()
        condition.unlock()
        if first { finished.wait() }
    }

    /// False once a pass failed to persist events (until one succeeds) or the writer closed:
    /// the broker's readiness check reads it.
    public var isWritable: Bool {
        condition.lock()
        defer { condition.unlock() }
        return !stopped && !closing && lostSinceLastSuccess == 0
    }

    /// One past the last event known to be on disk (fsynced): how far a reader of the log
    /// (the `__bulwark_audit` topic) may go without serving an event a crash could still
    /// take back. Checkpoints after it do not count, so it always follows an event.
    public var durableEnd: UInt64 {
        condition.lock()
        defer { condition.unlock() }
        return durableEventEnd
    }

    /// Whether the last commit failed (and none has succeeded since): events recorded now
    /// would most likely not be persisted either.
    public var isFailing: Bool {
        condition.lock()
        defer { condition.unlock() }
        return failing
    }

    public var statistics: AuditWriterStatistics {
        condition.lock()
        defer { condition.unlock() }
        return stats
    }

    private func outcomeLocked(_ ticket: AuditTicket) -> Result<Void, any Error> {
        for failed in failedRanges.reversed() where failed.range.contains(ticket.number) {
            return ticket.failClosed
                ? .failure(AuditLogError(.notPersisted, "the audit event could not be persisted: \(failed.error.message)"))
                : .success(())
        }
        return .success(())
    }

    // MARK: the flush thread

    private func runFlushLoop() {
        var running = true
        while running {  // one pass per group commit; ends at close
            condition.lock()
            var waits = 0
            while batching == .onFlushOnly && !closing && flushRequested == flushDone {
                condition.wait()
            }
            while queue.isEmpty && !closing && flushRequested == flushDone && waits < 1 {
                let now = clock()
                var deadline = now + 200
                if let due = summariser.nextDeadline { deadline = min(deadline, due) }
                if store.uncheckpointed > 0 { deadline = min(deadline, store.lastCheckpointTime + config.checkpointIntervalMilliseconds) }
                if deadline <= now { break }
                _ = condition.wait(until: Date().addingTimeInterval(Double(deadline - now) / 1000))
                waits += 1
            }
            let now = clock()
            let flushGeneration = flushRequested
            let draining = closing || flushGeneration != flushDone
            var batch = queue
            queue.removeAll(keepingCapacity: true)
            let summaries = draining ? summariser.drainAll() : summariser.due(now: now)
            let through = submitted
            let firstTicket = completed + 1
            let isClosing = closing
            condition.unlock()
            // What had queued since the last pass: the depth operators watch for back-pressure.
            Gauge(label: "bulwark_audit_queue_depth").record(batch.count)
            batch += summaries

            var failure: AuditLogError?
            do throws(AuditLogError) {
                if !batch.isEmpty {
                    let started = ContinuousClock.now
                    try store.append(batch)
                    try store.sync()
                    let took = ContinuousClock.now - started
                    Metrics.Timer(label: "bulwark_audit_flush_duration_seconds", preferredDisplayUnit: .seconds)
                        .recordNanoseconds(took.components.seconds * 1_000_000_000 + took.components.attoseconds / 1_000_000_000)
                }
                if draining || (store.uncheckpointed > 0 && now - store.lastCheckpointTime >= config.checkpointIntervalMilliseconds) {
                    if store.uncheckpointed > 0 || isClosing || draining { try store.checkpoint(now: now) }
                }
                if store.rotationDue(now: now) {
                    try store.rotate(now: now)
                    try store.append([AuditEvent(kind: .auditLog, time: now, action: "rotate",
                                                 reason: "segment \(store.activeFirstSequence) started")])
                    if let retention = try store.applyRetention(now: now) {
                        try store.append([AuditEvent(kind: .auditLog, time: now, action: "retention", reason: retention)])
                        logger.info("audit log retention: \(retention)")
                    }
                    try store.sync()
                }
            } catch {
                failure = error
            }

            condition.lock()
            failing = failure != nil
            if let failure {
                stats.eventsLost += UInt64(batch.count)
                lostSinceLastSuccess += batch.count
                if through >= firstTicket {
                    failedRanges.append((firstTicket...through, failure))
                    if failedRanges.count > 1024 { failedRanges.removeFirst(failedRanges.count - 1024) }
                }
            } else {
                durableEventEnd = store.eventEnd
                stats.eventsWritten += UInt64(batch.count)
                if !batch.isEmpty { stats.commits += 1 }
                if lostSinceLastSuccess > 0 {
                    // Recorded in the log itself, so the gap is visible to auditors.
                    queue.append(AuditEvent(kind: .auditLog, time: now, result: .denied, action: "events-lost",
                                            reason: "\(lostSinceLastSuccess) audit event(s) could not be persisted"))
                    lostSinceLastSuccess = 0
                }
            }
            completed = through
            var ready: [(CheckedContinuation<Void, any Error>, Result<Void, any Error>)] = []
            waiters.removeAll { waiter in
                guard waiter.ticket.number <= through else { return false }
                ready.append((waiter.continuation, outcomeLocked(waiter.ticket)))
                return true
            }
            if draining {
                flushDone = flushGeneration
                flushWaiters.removeAll { w in
                    guard w.generation <= flushGeneration else { return false }
                    ready.append((w.continuation, failure.map { .failure($0) } ?? .success(())))
                    return true
                }
            }
            if isClosing && queue.isEmpty {
                stopped = true
                running = false
                for w in waiters { ready.append((w.continuation, .failure(AuditLogError(.closed, "the audit writer closed")))) }
                for w in flushWaiters { ready.append((w.continuation, .failure(AuditLogError(.closed, "the audit writer closed")))) }
                waiters.removeAll()
                flushWaiters.removeAll()
            }
            condition.unlock()

            if let failure {
                logger.error("audit log: \(batch.count) event(s) not persisted: \(failure.message)")
                let failOpen = batch.filter { !config.isFailClosed($0) }.count
                if failOpen > 0 { alarm(failure, batch.count) }
            }
            for (continuation, outcome) in ready { continuation.resume(with: outcome) }
        }
        store.closeFile()
        finished.signal()
    }
}
