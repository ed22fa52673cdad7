import BulwarkTestSupport
import Foundation
import KafkaWire
import NIOCore
import Testing

@testable import LogStorage

/// Runs `log-writer` (group commit, several appenders, idempotent producers) and
/// SIGKILLs it at random moments, then reopens the directory and checks that
/// every acknowledged batch is there with its bytes, no partial batch is served,
/// and offsets are contiguous.
///
/// BULWARK_CRASH_ROUNDS (default 50) and BULWARK_CRASH_SEED select a longer or
/// a reproducible run: `BULWARK_CRASH_ROUNDS=1000 swift test --filter CrashHarness`.
@Suite struct CrashHarnessTests {
    struct Ack: Hashable {
        var partition: Int32
        var baseOffset: Int64
        var lastOffset: Int64
        var appender: Int
        var sequence: Int
        var round: Int
    }

    static let partitions: Int32 = 2
    static let recordsPerBatch = 4
    /// Appender 0 writes ~900 KB batches, which a kill can tear.
    static let largeRecordsPerBatch = 9000
    static let recordBytes = 100
    static let segmentBytes = 64 << 10

    @Test func acknowledgedRecordsSurviveSigkill() async throws {
        let environment = ProcessInfo.processInfo.environment
        let rounds = environment["BULWARK_CRASH_ROUNDS"].flatMap(Int.init) ?? 50
        let seed = environment["BULWARK_CRASH_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...1_000_000)
        let writer = try #require(Self.locateWriter(), "log-writer not found next to the test bundle: run `swift build` first")
        let dir = TempDirectory("crash")
        var rng = SplitMix64(seed: seed)
        var acks: [Ack] = []
        var killedBeforeReady = 0
        let capture = LogCapture()
        print("crash harness: \(rounds) rounds, seed \(seed) (BULWARK_CRASH_SEED=\(seed) to repeat)")

        for round in 0..<rounds {
            let process = Process()
            process.executableURL = writer
            process.arguments = [
                dir.path, "--partitions", "\(Self.partitions)", "--appenders", "4", "--records", "\(Self.recordsPerBatch)",
                "--record-bytes", "\(Self.recordBytes)", "--segment-bytes", "\(Self.segmentBytes)", "--epoch", "\(round)",
                "--seed", "\(seed)", "--large-records", "\(Self.largeRecordsPerBatch)",
            ]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Mostly while appending; one round in five during start-up and recovery.
            let delay = rng.next() % 5 == 0 ? Int(rng.next() % 40) : 40 + Int(rng.next() % 360)
            try await Task.sleep(for: .milliseconds(delay))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            var fresh: [Ack] = []
            for line in text.split(separator: "\n", omittingEmptySubsequences: true) where line.hasPrefix("ack ") {
                let fields = line.split(separator: " ").dropFirst().compactMap { Int64($0) }
                try #require(fields.count == 5, "malformed ack line \(line)")
                fresh.append(
                    Ack(
                        partition: Int32(fields[0]), baseOffset: fields[1], lastOffset: fields[2], appender: Int(fields[3]),
                        sequence: Int(fields[4]), round: round))
            }
            if !text.contains("ready") { killedBeforeReady += 1 }
            // A kill rarely lands inside a write, so one round in three also leaves
            // what such a kill would: a partial frame after the last complete one.
            if rng.next() % 3 == 0 { try tearTail(dir, rng: &rng) }
            acks += fresh
            // Every fresh ack, and a sample of older ones, by content; the whole log by structure.
            var sample = fresh
            for _ in 0..<min(20, acks.count) { sample.append(acks[Int(rng.next() % UInt64(acks.count))]) }
            try verify(dir, all: acks, checkContent: sample, seed: seed, round: round, logger: capture)
        }
        let cuts = capture.messages(atLeast: .warning).filter { $0.contains("cutting a torn tail") }.count
        print(
            "crash harness: \(acks.count) acknowledged batches checked over \(rounds) rounds (\(killedBeforeReady) killed before ready, \(cuts) torn tails cut)"
        )
        #expect(acks.count > rounds)
        #expect(cuts > 0 || rounds < 10)
    }

    private func verify(_ dir: TempDirectory, all acks: [Ack], checkContent sample: [Ack], seed: UInt64, round: Int, logger: LogCapture) throws {
        var config = LogConfig()
        config.segmentBytes = Self.segmentBytes
        config.indexIntervalBytes = 1024
        config.retentionMs = -1
        let manager = try LogManager(directory: dir.path, defaults: config, durability: .groupCommit, logger: logger.logger)
        try manager.open()
        defer { manager.close() }
        guard manager.topics()["crash"] != nil else {
            #expect(acks.isEmpty, "round \(round): the topic vanished")
            return
        }
        for p in 0..<Self.partitions {
            let log = try #require(manager.partition(TopicPartition(topic: "crash", partition: p)))
            let end = log.logEndOffset
            let acked = acks.filter { $0.partition == p }.map(\.lastOffset).max() ?? -1
            #expect(end > acked, "round \(round) partition \(p): log ends at \(end) but \(acked) was acknowledged")
            // Structure: whole batches with valid CRCs and contiguous offsets, to the end.
            var next = log.logStartOffset
            while next < end {
                let records = try log.read(from: next, maxBytes: 256 << 10).records
                let (batches, incomplete) = try RecordBatchIterator.split(records)
                #expect(incomplete == nil, "round \(round): a partial batch was served at \(next)")
                try #require(!batches.isEmpty, "round \(round): nothing served at \(next) below the end \(end)")
                for batch in batches {
                    #expect(batch.isChecksumValid, "round \(round): bad CRC at offset \(batch.header.baseOffset)")
                    #expect(batch.header.baseOffset == next, "round \(round): offsets jump from \(next) to \(batch.header.baseOffset)")
                    next = batch.header.lastOffset + 1
                }
            }
            #expect(next == end)
        }
        for ack in sample {
            let log = try #require(manager.partition(TopicPartition(topic: "crash", partition: ack.partition)))
            let records = try log.read(from: ack.baseOffset, maxBytes: 1).records
            let batch = try #require(try RecordBatchIterator.split(records).batches.first)
            #expect(batch.header.baseOffset == ack.baseOffset && batch.header.lastOffset == ack.lastOffset, "round \(round): \(ack)")
            #expect(batch.header.producerId == Int64(ack.appender) + 1 && batch.header.producerEpoch == Int16(ack.round))
            let values = try batch.decodeRecords(maxUncompressedBytes: 1 << 20).map { Array(buffer: $0.value!) }
            let count = ack.appender == 0 ? Self.largeRecordsPerBatch : Self.recordsPerBatch
            let expected = (0..<count).map {
                CrashHarnessPayload.recordValue(seed: seed, appender: ack.appender, sequence: ack.sequence, index: $0, bytes: Self.recordBytes)
            }
            #expect(values == expected, "round \(round): wrong bytes for \(ack)")
        }
    }

    /// Appends the start of a real frame (cut short) or zeros to a partition's
    /// active segment: bytes past every acknowledged batch, which recovery must cut.
    private func tearTail(_ dir: TempDirectory, rng: inout SplitMix64) throws {
        let partitionDir = dir.path + "/topics/crash-\(rng.next() % UInt64(Self.partitions))"
        guard let active = (try? FileManager.default.contentsOfDirectory(atPath: partitionDir))?.filter({ $0.hasSuffix(".log") }).max()
        else { return }
        let path = partitionDir + "/" + active
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        let head = try handle.read(upToCount: 4096) ?? Data()
        let torn: Data
        if head.count > 60 && rng.next() % 4 != 0 {
            torn = head.prefix(1 + Int(rng.next() % UInt64(head.count - 1)))
        } else {
            torn = Data(count: 1 + Int(rng.next() % 3000))
        }
        try handle.seekToEnd()
        try handle.write(contentsOf: torn)
    }

    /// Next to the test bundle (the products of one `swift build`), else under a
    /// `.build*` directory of the working directory.
    static func locateWriter() -> URL? {
        var candidates: [String] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append((exe as NSString).deletingLastPathComponent + "/log-writer")
        }
        let cwd = FileManager.default.currentDirectoryPath
        for build in [".build", ".build-storage"] {
            candidates.append("\(cwd)/\(build)/debug/log-writer")
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }.map { URL(fileURLWithPath: $0) }
    }
}
