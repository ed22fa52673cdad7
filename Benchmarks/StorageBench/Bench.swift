#if canImport(Glibc)
import Glibc
#endif
import EnvelopeCrypto
import KafkaWire
import LogStorage
import Logging
import NIOCore

enum Bench {
    static let topic = "bench"
    static let logger: Logger = {
        var logger = Logger(label: "storage-bench")
        logger.logLevel = .error
        return logger
    }()

    static func manager(_ directory: String, durability: Durability) throws(StorageError) -> LogManager {
        var defaults = LogConfig()
        defaults.retentionMs = -1
        let manager = try LogManager(
            directory: directory, defaults: defaults, durability: durability, logger: logger, encryption: try encryption(directory))
        try manager.open()
        return manager
    }

    /// With STORAGE_BENCH_MASTER_KEY (64 hex digits) set, batches are sealed (encryption
    /// at rest) under a keyring in `<directory>/keys`; the figures' names end in "-sealed".
    static let masterKeyVariable = "STORAGE_BENCH_MASTER_KEY"
    static var sealed: Bool { getenv(masterKeyVariable) != nil }
    static var suffix: String { sealed ? "-sealed" : "" }

    static func encryption(_ directory: String) throws(StorageError) -> LogEncryption? {
        guard sealed else { return nil }
        mkdir(directory, 0o755)
        do {
            let keyring = try Keyring(directory: directory + "/keys", provider: EnvironmentMasterKeyProvider(variable: masterKeyVariable))
            return LogEncryption(keyring: keyring)
        } catch {
            throw StorageError(.kafkaStorageError, "keyring: \(error.message)")
        }
    }

    /// Appends `bytes` of batches from `appenders` concurrent tasks, one partition
    /// each; in group-commit mode each task waits for its fsync before the next
    /// append (a producer with one request in flight). Page-cache mode ends with
    /// flushAll, as fio's buffered figure ends with its fsync.
    static func append(directory: String, bytes: Int, appenders: Int, durability: Durability) async throws {
        let corpus = BatchCorpus()
        let manager = try manager(directory, durability: durability)
        if manager.topics()[topic] == nil { try manager.createTopic(topic, partitions: Int32(appenders), overrides: [:]) }
        let perAppender = bytes / appenders / corpus.batchBytes
        let start = Clock.now()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for appender in 0..<appenders {
                group.addTask {
                    let log = manager.partition(TopicPartition(topic: topic, partition: Int32(appender)))!
                    for i in 0..<perAppender {
                        let (records, validated) = corpus.batch(i + appender)
                        let result = try log.append(records, validated: validated, now: 1_700_000_000_000)
                        if durability == .groupCommit { try await log.waitUntilDurable(result.lastOffset) }
                    }
                }
            }
            try await group.waitForAll()
        }
        try manager.flushAll()
        let seconds = Clock.now() - start
        manager.close()
        let written = perAppender * appenders * corpus.batchBytes
        report(durability == .pageCache ? "pagecache-append" : "groupcommit-append-\(appenders)", bytes: written, seconds: seconds)
    }

    /// Reads every partition of the bench topic from the start with 1 MiB fetches.
    static func read(directory: String) throws {
        let manager = try manager(directory, durability: .pageCache)
        defer { manager.close() }
        var total = 0
        let start = Clock.now()
        for p in 0..<(manager.topics()[topic]?.partitionCount ?? 0) {
            let log = manager.partition(TopicPartition(topic: topic, partition: p))!
            var next = log.logStartOffset
            while next < log.logEndOffset {
                let records = try log.read(from: next, maxBytes: 1 << 20).records
                total += records.readableBytes
                let lastBase = lastBatchNextOffset(records)
                next = lastBase
            }
        }
        report("pagecache-read", bytes: total, seconds: Clock.now() - start)
    }

    /// The offset after the last batch of a read (headers only).
    static func lastBatchNextOffset(_ records: ByteBuffer) -> Int64 {
        var index = records.readerIndex
        var next: Int64 = 0
        while index + RecordBatchHeader.size <= records.writerIndex {
            let base = records.getInteger(at: index, as: Int64.self)!
            let length = Int(records.getInteger(at: index + 8, as: Int32.self)!)
            let delta = Int64(records.getInteger(at: index + RecordBatchLayout.lastOffsetDelta, as: Int32.self)!)
            next = base + delta + 1
            index += 12 + length
        }
        return next
    }

    /// Start-up with many partitions: fills the directory once (kept between
    /// runs), then times LogManager init + open after evicting this directory's
    /// files from the page cache (posix_fadvise, so the rest of the machine keeps
    /// its cache), then again warm. The script may also drop the kernel's inode
    /// and dentry caches before (DROP_INODE_CACHE=1) for a start-after-reboot figure.
    static func startup(directory: String, partitions: Int32, bytesEach: Int) throws {
        // Filled once; later runs must not open the directory before the timed
        // open, or its inodes and directory entries would be cached.
        if access(directory + "/meta/topics/\(topic).json", F_OK) != 0 {
            let corpus = BatchCorpus()
            let manager = try manager(directory, durability: .pageCache)
            try manager.createTopic(topic, partitions: partitions, overrides: [:])
            for p in 0..<partitions {
                let log = manager.partition(TopicPartition(topic: topic, partition: p))!
                for i in 0..<(bytesEach / corpus.batchBytes) {
                    let (records, validated) = corpus.batch(i + Int(p))
                    _ = try log.append(records, validated: validated, now: 1_700_000_000_000)
                }
            }
            try manager.flushAll()
            manager.close()
        }
        let dataBytes = Eviction.evict(directory)
        // After the eviction, which itself looked up every file.
        if getenv("DROP_INODE_CACHE").map({ String(cString: $0) }) == "1" { Eviction.dropInodeCache() }
        var cold = Clock.now()
        do {
            let manager = try manager(directory, durability: .pageCache)
            cold = Clock.now() - cold
            manager.close()
        }
        var warm = Clock.now()
        do {
            let manager = try manager(directory, durability: .pageCache)
            warm = Clock.now() - warm
            manager.close()
        }
        emit(
            "{\"name\":\"startup\",\"partitions\":\(partitions),\"bytes\":\(dataBytes),\"cold_seconds\":\(cold),\"warm_seconds\":\(warm)}")
    }

    static func report(_ name: String, bytes: Int, seconds: Double) {
        emit("{\"name\":\"\(name)\(suffix)\",\"bytes\":\(bytes),\"seconds\":\(seconds),\"mbps\":\(Double(bytes) / seconds / 1e6)}")
    }
}

enum Clock {
    static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}

func emit(_ line: String, to fd: Int32 = STDOUT_FILENO) {
    var bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress!, $0.count) }
}
