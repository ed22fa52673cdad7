import Foundation
import KafkaWire
import Testing

@testable import LogStorage

/// Damage done to files on disk between two runs, as a crash or the disk would.
enum Damage {
    static func size(_ path: String) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1
    }

    static func truncate(_ path: String, by bytes: Int) throws {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: UInt64(size(path) - bytes))
        try handle.close()
    }

    static func append(_ path: String, _ bytes: [UInt8]) throws {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(bytes))
        try handle.close()
    }

    static func overwrite(_ path: String, at offset: Int, _ bytes: [UInt8]) throws {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        try handle.seek(toOffset: UInt64(offset))
        try handle.write(contentsOf: Data(bytes))
        try handle.close()
    }

    static func flipBit(_ path: String, at offset: Int) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try overwrite(path, at: offset, [data[offset] ^ 0x10])
    }
}

@Suite struct RecoveryTests {
    let tp = TopicPartition(topic: "t", partition: 0)
    var partitionDir: (TempDirectory) -> String { { $0.path + "/topics/t-0" } }

    func fill(_ dir: TempDirectory, batches: Int, value: Int = 20, configure: @escaping (inout LogConfig) -> Void = { _ in }) throws {
        let manager = try Fixtures.manager(dir, configure)
        try manager.createTopic("t", partitions: 2, overrides: ["retention.ms": "-1"])
        let log = try #require(manager.partition(tp))
        for i in 0..<batches { try Fixtures.append(log, [String(repeating: "\(i % 10)", count: value) + "#" + String(1000 + i)]) }
        let other = try #require(manager.partition(TopicPartition(topic: "t", partition: 1)))
        for i in 0..<batches { try Fixtures.append(other, ["other-\(i)"]) }
        manager.close()
    }

    func expectIntact(_ log: PartitionLog, count: Int) throws {
        let records = try log.readAll()
        #expect(records.map(\.offset) == Array(0..<Int64(count)))
        #expect(records.map { $0.value.split(separator: "#").last.flatMap { Int($0) } } == (0..<count).map { 1000 + $0 })
    }

    @Test(arguments: [("partial frame", 0), ("garbage", 1), ("zeros", 2), ("bad last CRC", 3), ("short header", 4)])
    func cutsATornTail(_ label: String, _ kind: Int) throws {
        let dir = TempDirectory()
        try fill(dir, batches: 20)
        let path = partitionDir(dir) + "/" + Segment.fileStem(0) + ".log"
        let clean = Damage.size(path)
        let frame = clean / 20
        var kept = 20
        switch kind {
        case 0:
            try Damage.truncate(path, by: 10)
            kept = 19
        case 1: try Damage.append(path, (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) })
        case 2: try Damage.append(path, [UInt8](repeating: 0, count: 4096))
        case 3:
            try Damage.flipBit(path, at: clean - 5)
            kept = 19
        default: try Damage.append(path, [0, 0, 1])
        }
        let capture = LogCapture()
        let manager = try LogManager(directory: dir.path, defaults: LogConfig(), durability: .pageCache, logger: capture.logger)
        try manager.open()
        defer { manager.close() }
        let log = try #require(manager.partition(tp))
        #expect(log.logEndOffset == Int64(kept))
        #expect(Damage.size(path) == (kept == 20 ? clean : clean - frame))
        try expectIntact(log, count: kept)
        #expect(try Fixtures.append(log, ["after"]).baseOffset == Int64(kept))
        #expect(capture.messages(atLeast: .warning).contains { $0.contains("cutting a torn tail") })
    }

    @Test func rebuildsAGarbageIndexAtStartUp() throws {
        let dir = TempDirectory()
        let configure: (inout LogConfig) -> Void = { $0.indexIntervalBytes = 100 }
        try fill(dir, batches: 60, configure: configure)
        let index = partitionDir(dir) + "/" + Segment.fileStem(0) + ".index"
        #expect(Damage.size(index) > 80)
        try Damage.overwrite(index, at: Damage.size(index) - 8, [UInt8](repeating: 0xFF, count: 8))
        let manager = try Fixtures.manager(dir, configure)
        defer { manager.close() }
        let log = try #require(manager.partition(tp))
        #expect(log.logEndOffset == 60)
        try expectIntact(log, count: 60)
        for offset in Int64(0)..<60 {
            #expect(Fixtures.records(try log.read(from: offset, maxBytes: 1).records).first?.offset == offset)
        }
        let bytes = try #require(try FileIO.readAll(index))
        #expect(OffsetIndex.decode(bytes, logSize: Int64(Damage.size(index.replacingOccurrences(of: ".index", with: ".log")))) != nil)
    }

    @Test func rebuildsAnIndexCorruptInTheMiddleWhenFirstUsed() throws {
        let dir = TempDirectory()
        let configure: (inout LogConfig) -> Void = { $0.indexIntervalBytes = 100 }
        try fill(dir, batches: 60, configure: configure)
        let index = partitionDir(dir) + "/" + Segment.fileStem(0) + ".index"
        // Entry 2 claims a position past entry 3's: the tail still validates.
        try Damage.overwrite(index, at: 2 * 8 + 4, [0x00, 0x00, 0x7F, 0xFF])
        let capture = LogCapture()
        var config = LogConfig()
        configure(&config)
        let manager = try LogManager(directory: dir.path, defaults: config, durability: .pageCache, logger: capture.logger)
        try manager.open()
        defer { manager.close() }
        let log = try #require(manager.partition(tp))
        try expectIntact(log, count: 60)
        #expect(capture.messages(atLeast: .warning).contains { $0.contains("corrupt or missing; rebuilding") })
    }

    @Test func rebuildsMissingIndexes() throws {
        let dir = TempDirectory()
        let configure: (inout LogConfig) -> Void = { $0.indexIntervalBytes = 100; $0.segmentBytes = 3000 }
        try fill(dir, batches: 80, configure: configure)
        let names = try FileManager.default.contentsOfDirectory(atPath: partitionDir(dir))
        #expect(names.filter { $0.hasSuffix(".log") }.count > 2)
        for name in names where name.hasSuffix("index") { try FileManager.default.removeItem(atPath: partitionDir(dir) + "/" + name) }
        // A torn index write too: half an entry.
        _ = FileManager.default.createFile(atPath: partitionDir(dir) + "/" + Segment.fileStem(0) + ".index", contents: Data([1, 2, 3]))
        let manager = try Fixtures.manager(dir, configure)
        defer { manager.close() }
        let log = try #require(manager.partition(tp))
        try expectIntact(log, count: 80)
        #expect(try log.offset(forTimestamp: 1000)?.offset == 0)
        #expect(try log.maxTimestamp()?.timestamp == 1000)
        let rebuilt = try FileManager.default.contentsOfDirectory(atPath: partitionDir(dir)).filter { $0.hasSuffix(".index") }
        #expect(rebuilt.count == names.filter { $0.hasSuffix(".log") }.count)
    }

    @Test func aTornOlderSegmentDropsTheSegmentsAfterIt() throws {
        let dir = TempDirectory()
        let configure: (inout LogConfig) -> Void = { $0.segmentBytes = 1000 }
        try fill(dir, batches: 30, configure: configure)
        let logs = try FileManager.default.contentsOfDirectory(atPath: partitionDir(dir)).filter { $0.hasSuffix(".log") }.sorted()
        #expect(logs.count >= 3)
        let second = partitionDir(dir) + "/" + logs[1]
        try Damage.truncate(second, by: 7)
        let capture = LogCapture()
        var config = LogConfig()
        configure(&config)
        let manager = try LogManager(directory: dir.path, defaults: config, durability: .pageCache, logger: capture.logger)
        try manager.open()
        defer { manager.close() }
        let log = try #require(manager.partition(tp))
        let end = log.logEndOffset
        #expect(end == Int64(logs[2].dropLast(4))! - 1)
        try expectIntact(log, count: Int(end))
        let left = try FileManager.default.contentsOfDirectory(atPath: partitionDir(dir)).filter { $0.hasSuffix(".log") }.sorted()
        #expect(left == Array(logs.prefix(2)))
        #expect(capture.messages(atLeast: .error).contains { $0.contains("deleting the segments after it") })
        #expect(try Fixtures.append(log, ["next"]).baseOffset == end)
    }

    /// A flipped bit inside old data: the range answers with a storage error and a
    /// log line, the rest of the partition and the other partitions keep serving,
    /// before and after a restart (recovery must not cut old data for it).
    @Test(arguments: [false, true])
    func aFlippedBitInAnOldSegmentIsCaughtOnRead(_ lastFrameOfSegment: Bool) throws {
        let dir = TempDirectory()
        let configure: (inout LogConfig) -> Void = { $0.segmentBytes = 4000 }
        try fill(dir, batches: 12, value: 1000, configure: configure)
        let logs = try FileManager.default.contentsOfDirectory(atPath: partitionDir(dir)).filter { $0.hasSuffix(".log") }.sorted()
        #expect(logs.count >= 3)
        let first = partitionDir(dir) + "/" + logs[0]
        let frame = Damage.size(first) / Int(Int64(logs[1].dropLast(4))!)
        let victim: Int64 = lastFrameOfSegment ? Int64(logs[1].dropLast(4))! - 1 : 1
        let flipAt = Int(victim) * frame + 48 + 61 + 300

        let capture = LogCapture()
        var config = LogConfig()
        configure(&config)
        for round in 0..<2 {
            if round == 0 {
                // While running: the page cache now holds the flipped bit.
                let manager = try LogManager(directory: dir.path, defaults: config, durability: .pageCache, logger: capture.logger)
                try manager.open()
                try Damage.flipBit(first, at: flipAt)
                try check(manager, victim: victim, capture: capture)
                manager.close()
            } else {
                let manager = try LogManager(directory: dir.path, defaults: config, durability: .pageCache, logger: capture.logger)
                try manager.open()
                #expect(manager.partition(tp)?.logEndOffset == 12)
                try check(manager, victim: victim, capture: capture)
                manager.close()
            }
        }
    }

    private func check(_ manager: LogManager, victim: Int64, capture: LogCapture) throws {
        let log = try #require(manager.partition(tp))
        do {
            _ = try log.read(from: victim, maxBytes: 1 << 20)
            Issue.record("a corrupt batch was served")
        } catch {
            #expect(error.errorCode == .kafkaStorageError)
        }
        #expect(capture.messages(atLeast: .error).contains { $0.contains("CRC mismatch") && $0.contains("corrupt data in") })
        // A read that starts before stops short of the bad batch; one after it works.
        let before = try log.read(from: 0, maxBytes: 1 << 20)
        #expect(Fixtures.offsets(before.records) == Array(0..<victim))
        #expect(Fixtures.offsets(try log.read(from: victim + 1, maxBytes: 1 << 20).records).first == victim + 1)
        let other = try #require(manager.partition(TopicPartition(topic: "t", partition: 1)))
        #expect(try other.readAll().count == 12)
    }
}
