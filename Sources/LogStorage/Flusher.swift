import Foundation
import Logging
import Metrics

/// The one thread per `LogManager` that runs fsyncs. Partitions ask for a flush
/// (group-commit waiters, flush.messages, a roll) or schedule one (flush.ms); each
/// round takes every partition asked for so far, so all appenders waiting on a
/// partition share a single fsync, and later arrivals share the next one.
///
/// `@unchecked Sendable`: every mutable field is touched only with `condition` locked.
final class Flusher: @unchecked Sendable {
    private let condition = NSCondition()
    private var immediate: [ObjectIdentifier: PartitionLog] = [:]
    private var timed: [ObjectIdentifier: (log: PartitionLog, deadline: ContinuousClock.Instant)] = [:]
    private var stopping = false
    private var running = false
    private let logger: Logger
    /// One partition's fsyncs (segments and indexes) per round, for the admin listener's metrics.
    private let fsyncTimer = Metrics.Timer(label: "bulwark_log_fsync_duration_seconds", preferredDisplayUnit: .seconds)

    init(logger: Logger) {
        self.logger = logger
    }

    func start() {
        condition.lock()
        defer { condition.unlock() }
        guard !running else { return }
        running = true
        stopping = false
        let thread = Thread { [self] in run() }
        thread.name = "bulwark-flusher"
        thread.start()
    }

    /// Flushes what is queued, then stops the thread (returns once it has).
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while running { condition.wait() }
        condition.unlock()
    }

    func requestFlush(_ log: PartitionLog) {
        condition.lock()
        immediate[ObjectIdentifier(log)] = log
        condition.signal()
        condition.unlock()
    }

    /// flush.ms: a flush of `log` no later than `delay` from now.
    func scheduleFlush(_ log: PartitionLog, after delay: Duration) {
        let deadline = ContinuousClock.now.advanced(by: delay)
        condition.lock()
        let id = ObjectIdentifier(log)
        if timed[id].map({ $0.deadline > deadline }) ?? true {
            timed[id] = (log, deadline)
            condition.signal()
        }
        condition.unlock()
    }

    private func run() {
        condition.lock()
        while true {
            let now = ContinuousClock.now
            for (id, entry) in timed where entry.deadline <= now {
                immediate[id] = entry.log
                timed[id] = nil
            }
            if immediate.isEmpty {
                if stopping { break }
                if let next = timed.values.map(\.deadline).min() {
                    let seconds = Double(now.duration(to: next).components.attoseconds) / 1e18
                        + Double(now.duration(to: next).components.seconds)
                    _ = condition.wait(until: Date(timeIntervalSinceNow: max(seconds, 0.0005)))
                } else {
                    condition.wait()
                }
                continue
            }
            let round = Array(immediate.values)
            immediate = [:]
            condition.unlock()
            // Writeback of every file first, then the fsyncs: they then share journal commits.
            let tickets = round.map { ($0, $0.beginFlush()) }
            for (log, ticket) in tickets {
                guard let ticket else { continue }
                do {
                    let started = ContinuousClock.now
                    try log.finishFlush(ticket)
                    let took = ContinuousClock.now - started
                    fsyncTimer.recordNanoseconds(took.components.seconds * 1_000_000_000 + took.components.attoseconds / 1_000_000_000)
                } catch {
                    logger.error("flush of \(log.topicPartition) failed: \(error.message)")
                }
            }
            condition.lock()
        }
        running = false
        condition.broadcast()
        condition.unlock()
    }
}
