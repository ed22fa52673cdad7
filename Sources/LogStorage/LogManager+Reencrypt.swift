#if canImport(Glibc)
import Glibc
#endif
import EnvelopeCrypto
import Foundation

/// What `reencrypt` rewrites and how fast.
public struct ReencryptRequest: Sendable, Codable, Equatable {
    /// Topics to convert; nil or empty: every topic.
    public var topics: [String]?
    /// Bytes of old segments read per second, at most (the rewrite writes about as much).
    public var bytesPerSecond: Int64
    /// Only segments holding plaintext frames (turning encryption on later); otherwise
    /// also every segment sealed under a DEK older than the start of this run.
    public var plaintextOnly: Bool

    public init(topics: [String]? = nil, bytesPerSecond: Int64 = 16 << 20, plaintextOnly: Bool = false) {
        self.topics = topics
        self.bytesPerSecond = bytesPerSecond
        self.plaintextOnly = plaintextOnly
    }
}

/// What a `reencrypt` run did.
public struct ReencryptReport: Sendable, Codable, Equatable {
    public var segmentsRewritten = 0
    /// Segments already sealed under keys newer than the run (or sealed, with `plaintextOnly`).
    public var segmentsCurrent = 0
    public var bytesRead: Int64 = 0
    public var bytesWritten: Int64 = 0
    /// DEKs removed from the key store because nothing is sealed under them any more.
    public var dataKeysDestroyed = 0
    /// One line per segment that could not be rewritten (it keeps its old keys).
    public var failures: [String] = []

    public init() {}
}

/// Keeps a long job at or below `bytesPerSecond` by sleeping the calling thread.
struct RateLimiter {
    let bytesPerSecond: Int64
    private let start = ContinuousClock.now
    private var bytes: Int64 = 0

    init(bytesPerSecond: Int64) { self.bytesPerSecond = max(bytesPerSecond, 1) }

    mutating func consumed(_ count: Int64) {
        bytes += count
        let due = start + .nanoseconds(Int64(Double(bytes) / Double(bytesPerSecond) * 1e9))
        let wait = due - ContinuousClock.now
        if wait > .milliseconds(1) {
            let (seconds, attoseconds) = wait.components
            var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
            var remaining = timespec()
            while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
        }
    }
}

extension LogManager {
    /// Re-encrypts old segments while the log keeps serving (`bulwark keys reencrypt`).
    ///
    /// Per topic: every partition's active segment is rolled if it holds frames to
    /// convert, and flushed (so every such frame is in a closed segment and new appends
    /// take a new DEK); each
    /// closed segment holding plaintext frames, or frames under a DEK created before
    /// this run, is rewritten under new DEKs (`PartitionLog.rewriteSegment`) at no more
    /// than `bytesPerSecond`. When a topic was fully converted and not `plaintextOnly`,
    /// the DEKs older than the run are destroyed. Blocking: run it on its own thread.
    /// One run at a time; a second call fails at once.
    public func reencrypt(
        _ request: ReencryptRequest, stopAfter: SegmentRewriteStep? = nil, progress: (String) -> Void = { _ in }
    ) throws(StorageError) -> ReencryptReport {
        guard let encryption, encryption.sealNewBatches else {
            throw StorageError(.kafkaStorageError, "re-encryption needs bulwark.encryption.enabled=true and a master key")
        }
        let started = reencrypting.withLock { running -> Bool in
            defer { running = true }
            return !running
        }
        guard started else { throw StorageError(.kafkaStorageError, "a re-encryption is already running") }
        defer { reencrypting.withLock { $0 = false } }

        let known = state.withLock { $0.topics }
        let names = (request.topics?.isEmpty ?? true) ? known.keys.sorted() : request.topics!
        for name in names where known[name] == nil {
            throw StorageError(.unknownTopicOrPartition, "topic \(name) does not exist")
        }
        var report = ReencryptReport()
        var limiter = RateLimiter(bytesPerSecond: request.bytesPerSecond)
        for name in names {
            guard let entry = state.withLock({ $0.topics[name] }) else { continue }
            let scope = LogEncryption.scope(of: name)
            let cutoff: UInt32
            do throws(EnvelopeError) {
                cutoff = try encryption.keyring.nextDataKeyId(for: scope)
            } catch {
                report.failures.append("topic \(name): \(error.message)")
                continue
            }
            var complete = true
            let isStale = { (usage: [UInt32?: Int]) -> Bool in
                usage.keys.contains { id in
                    guard let id else { return true }
                    return !request.plaintextOnly && id < cutoff
                }
            }
            for log in entry.partitions {
                do throws(StorageError) {
                    try log.closeActiveSegmentForRewrite(now: WallClock.nowMs(), isStale: isStale)
                } catch {
                    report.failures.append("\(log.topicPartition): \(error.message)")
                    complete = false
                    continue
                }
                for (base, path) in log.closedSegments() {
                    let usage: [UInt32?: Int]
                    do throws(StorageError) {
                        usage = try SegmentKeyUsage.frames(inSegment: path)
                    } catch {
                        if !FileIO.exists(path) { continue }  // deleted by retention meanwhile
                        report.failures.append("\(log.topicPartition) segment \(base): \(error.message)")
                        complete = false
                        continue
                    }
                    guard isStale(usage) else {
                        report.segmentsCurrent += 1
                        continue
                    }
                    do throws(StorageError) {
                        switch try log.rewriteSegment(base: base, pace: { limiter.consumed($0) }, stopAfter: stopAfter) {
                        case .rewritten(let read, let written):
                            report.segmentsRewritten += 1
                            report.bytesRead += read
                            report.bytesWritten += written
                            progress("\(log.topicPartition) segment \(base): re-encrypted (\(read) → \(written) bytes)")
                        case .skipped(let why):
                            if FileIO.exists(path) {
                                report.failures.append("\(log.topicPartition) segment \(base): \(why)")
                                complete = false
                            }
                        }
                    } catch {
                        if stopAfter != nil { throw error }
                        report.failures.append("\(log.topicPartition) segment \(base): \(error.message)")
                        complete = false
                    }
                }
            }
            if complete && !request.plaintextOnly {
                do throws(EnvelopeError) {
                    report.dataKeysDestroyed += try encryption.keyring.destroyDataKeys(for: scope, below: cutoff)
                } catch {
                    report.failures.append("topic \(name): rewritten, but its old DEKs could not be destroyed: \(error.message)")
                }
            }
        }
        logger.info(
            "re-encryption done: \(report.segmentsRewritten) segments rewritten, \(report.segmentsCurrent) already current, \(report.dataKeysDestroyed) old DEKs destroyed, \(report.failures.count) failures"
        )
        return report
    }
}

extension LogManager {
    /// The keyring of encryption at rest, when a master key is configured.
    public var keyring: Keyring? { encryption?.keyring }
}
