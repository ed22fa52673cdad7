#if canImport(Glibc)
import Glibc
#endif
import KafkaWire
import Logging
import Synchronization

/// The store of one data directory (Kafka's `log.dirs`, a single directory):
///
/// ```
/// <data>/.lock                       held (flock) while a LogManager has it open
/// <data>/meta/topics/<topic>.json    name, partition count, config overrides
/// <data>/topics/<topic>-<p>/         one partition: segments, indexes, snapshots
/// ```
public final class LogManager: Sendable {
    struct TopicEntry: Sendable {
        var overrides: [String: String]
        var config: LogConfig
        var partitions: [PartitionLog]
    }

    struct State: Sendable {
        var topics: [String: TopicEntry] = [:]
        var opened = false
        var closed = false
    }

    let directory: String
    let defaults: LogConfig
    let durability: Durability
    let logger: Logger
    let files: FileHandleCache
    let flusher: Flusher
    /// Encryption at rest (nil: no keyring; sealed frames cannot be read).
    let encryption: LogEncryption?
    let state = Mutex(State())
    /// Serializes admin operations (their file I/O must not hold `state`, which
    /// every produce and fetch takes to find its partition).
    let adminLock = Mutex(())
    /// Whether a `reencrypt` run is in progress (one at a time).
    let reencrypting = Mutex(false)
    private let lockFD: Int32

    var topicsDirectory: String { directory + "/topics" }
    var metaDirectory: String { directory + "/meta/topics" }

    /// `directory` is the data dir; `defaults` comes from the broker's log.* settings.
    /// `maxOpenFiles` bounds the descriptors held open for segment and index files.
    /// With `encryption`, new batches are sealed (if it says so) and sealed ones opened.
    public init(
        directory: String, defaults: LogConfig, durability: Durability, logger: Logger, maxOpenFiles: Int = LogManager.defaultMaxOpenFiles,
        encryption: LogEncryption? = nil
    ) throws(StorageError) {
        self.encryption = encryption
        self.directory = directory.count > 1 && directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        self.defaults = defaults
        self.durability = durability
        self.logger = logger
        self.files = FileHandleCache(capacity: maxOpenFiles)
        self.flusher = Flusher(logger: logger)
        for path in [self.directory, self.directory + "/topics", self.directory + "/meta", self.directory + "/meta/topics"] {
            try FileIO.makeDirectory(path)
        }
        // Two processes on one directory would corrupt it: the second one is refused.
        let lockPath = self.directory + "/.lock"
        let fd = Glibc.open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io("open", path: lockPath, errno: errno) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            Glibc.close(fd)
            throw StorageError(.kafkaStorageError, "data directory \(self.directory) is in use by another process (\(errnoDescription(code)))")
        }
        self.lockFD = fd
    }

    deinit {
        close()
        Glibc.close(lockFD)
    }

    /// A quarter of the process's descriptor limit, at most 1,024.
    public static var defaultMaxOpenFiles: Int {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 256 }
        return Int(min(max(UInt64(limit.rlim_cur) / 4, 64), 1024))
    }

    /// Finds and recovers every topic partition on disk. Cheap: per segment it reads
    /// the index tails and CRC-checks only the frames after the last index entry.
    public func open() throws(StorageError) {
        try adminLock.withLock { (_) throws(StorageError) in
            guard !state.withLock({ $0.opened }) else { return }
            let now = WallClock.nowMs()
            var metadata: [String: TopicMetadata] = [:]
            for name in FileIO.list(metaDirectory) where name.hasSuffix(".json") {
                let path = metaDirectory + "/" + name
                guard let bytes = try FileIO.readAll(path), let topic = TopicMetadata.decode(bytes), topic.name + ".json" == name else {
                    logger.error("cannot read topic metadata \(path); that topic is not served")
                    continue
                }
                metadata[topic.name] = topic
            }
            // Directories renamed for deletion: a deleteTopic that a crash interrupted.
            for name in FileIO.list(topicsDirectory) where name.hasSuffix(".deleted") {
                let topic = String(name.dropLast(".deleted".count).reversed().drop { $0 != "-" }.dropFirst().reversed())
                if let doomed = metadata.removeValue(forKey: topic) {
                    logger.warning("finishing the interrupted deletion of topic \(topic)")
                    for p in 0..<doomed.partitions {
                        try FileIO.removeTree(partitionDirectory(TopicPartition(topic: topic, partition: p)))
                    }
                    try FileIO.remove(metaDirectory + "/" + topic + ".json")
                    try FileIO.syncDirectory(metaDirectory)
                }
                try FileIO.removeTree(topicsDirectory + "/" + name)
            }
            var configs: [String: LogConfig] = [:]
            var jobs: [(TopicPartition, LogConfig)] = []
            for (name, topic) in metadata.sorted(by: { $0.key < $1.key }) {
                do {
                    configs[name] = try defaults.applying(topic.overrides)
                } catch {
                    logger.error("topic \(name) has an invalid stored config (\(error)); using the defaults")
                    configs[name] = defaults
                }
                for p in 0..<topic.partitions { jobs.append((TopicPartition(topic: name, partition: p), configs[name]!)) }
            }
            let (durability, files, flusher, logger, encryption) = (self.durability, self.files, self.flusher, self.logger, self.encryption)
            let directories = jobs.map { partitionDirectory($0.0) }
            let work = jobs
            let logs = try ParallelWork.run(work.count) { (i) throws(StorageError) -> PartitionLog in
                let (tp, config) = work[i]
                if FileIO.exists(directories[i]) {
                    return try PartitionLog.open(
                        tp, directory: directories[i], config: config, durability: durability, files: files, flusher: flusher,
                        logger: logger, now: now, crypto: encryption.map { PartitionCrypto(encryption: $0, topicPartition: tp) })
                }
                logger.error("partition directory \(directories[i]) is missing; starting it empty")
                return try PartitionLog.create(
                    tp, directory: directories[i], config: config, durability: durability, files: files, flusher: flusher,
                    logger: logger, now: now, crypto: encryption.map { PartitionCrypto(encryption: $0, topicPartition: tp) })
            }
            var topics: [String: TopicEntry] = [:]
            for log in logs {
                let name = log.topicPartition.topic
                topics[name, default: TopicEntry(overrides: metadata[name]!.overrides, config: configs[name]!, partitions: [])]
                    .partitions.append(log)
            }
            for name in FileIO.list(topicsDirectory) where !isKnownPartitionDirectory(name, topics) {
                logger.warning("ignoring \(topicsDirectory)/\(name): no topic metadata claims it")
            }
            state.withLock {
                $0.topics = topics
                $0.opened = true
            }
            flusher.start()
            let partitionCount = topics.values.reduce(0) { $0 + $1.partitions.count }
            logger.info("opened \(directory): \(topics.count) topics, \(partitionCount) partitions")
        }
    }

    private func isKnownPartitionDirectory(_ name: String, _ topics: [String: TopicEntry]) -> Bool {
        guard let dash = name.lastIndex(of: "-"), let p = Int32(name[name.index(after: dash)...]) else { return false }
        guard let entry = topics[String(name[..<dash])] else { return false }
        return p >= 0 && Int(p) < entry.partitions.count
    }

    func partitionDirectory(_ tp: TopicPartition) -> String {
        topicsDirectory + "/" + tp.description
    }

    public func topics() -> [String: (partitionCount: Int32, overrides: [String: String])] {
        state.withLock { state in
            state.topics.mapValues { (Int32($0.partitions.count), $0.overrides) }
        }
    }

    public func config(of topic: String) -> LogConfig? {
        state.withLock { $0.topics[topic]?.config }
    }

    public func partition(_ tp: TopicPartition) -> PartitionLog? {
        state.withLock { state in
            guard let entry = state.topics[tp.topic], tp.partition >= 0, Int(tp.partition) < entry.partitions.count else { return nil }
            return entry.partitions[Int(tp.partition)]
        }
    }

    var allPartitions: [PartitionLog] {
        state.withLock { $0.topics.values.flatMap(\.partitions) }
    }

    /// Deletes whole segments past retention (rolling by segment.ms first); returns
    /// how many. The broker calls it periodically.
    public func enforceRetention(now: Int64) -> Int {
        var deleted = 0
        for log in allPartitions {
            do {
                deleted += try log.enforceRetention(now: now)
            } catch {
                log.logger.error("retention failed: \(error.message)")
            }
        }
        return deleted
    }

    /// fsyncs every partition with unflushed data (the broker calls it on shutdown).
    public func flushAll() throws(StorageError) {
        var firstError: StorageError?
        for log in allPartitions where log.hasUnflushedData {
            do {
                try log.flush()
            } catch {
                firstError = firstError ?? error
            }
        }
        if let firstError { throw firstError }
    }

    /// Flushes and closes every partition and releases the directory. Idempotent.
    public func close() {
        let partitions: [PartitionLog]? = state.withLock { state in
            guard !state.closed else { return nil }
            state.closed = true
            return state.topics.values.flatMap(\.partitions)
        }
        guard let partitions else { return }
        flusher.stop()
        for log in partitions { log.close() }
        files.closeAll()
        flock(lockFD, LOCK_UN)
    }

    /// Descriptors currently open for segment and index files.
    public var openFileCount: Int { files.openCount }
}
