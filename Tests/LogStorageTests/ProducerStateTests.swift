import Foundation
import Testing

@testable import LogStorage

@Suite struct ProducerStateTests {
    let tp = TopicPartition(topic: "t", partition: 0)

    func append(_ log: PartitionLog, pid: Int64, epoch: Int16, seq: Int32, count: Int = 1, now: Int64 = 5000) throws(StorageError) -> AppendResult {
        let records = Fixtures.batch((0..<count).map { "p\(pid)-e\(epoch)-s\(Int(seq) + $0)" }, producerId: pid, epoch: epoch, sequence: seq)
        return try log.append(records, validated: Fixtures.validate(records), now: now)
    }

    func errorCode(_ body: () throws -> Void) -> Int16? {
        do {
            try body()
            return nil
        } catch let error as StorageError {
            return error.errorCode.rawValue
        } catch {
            return -100
        }
    }

    @Test func enforcesKafkasSequenceAndEpochRules() throws {
        let dir = TempDirectory()
        let manager = try Fixtures.manager(dir)
        defer { manager.close() }
        try manager.createTopic("t", partitions: 1, overrides: [:])
        let log = try #require(manager.partition(tp))

        #expect(errorCode { _ = try append(log, pid: 7, epoch: 0, seq: 5) } == 59)  // UNKNOWN_PRODUCER_ID
        let first = try append(log, pid: 7, epoch: 0, seq: 0, count: 3)
        #expect([first.baseOffset, first.lastOffset] == [0, 2])
        let second = try append(log, pid: 7, epoch: 0, seq: 3, count: 2)
        #expect([second.baseOffset, second.lastOffset] == [3, 4])

        // A retry of either recent batch: the original offsets, nothing written.
        let retry = try append(log, pid: 7, epoch: 0, seq: 0, count: 3)
        #expect(retry.isDuplicate && [retry.baseOffset, retry.lastOffset] == [0, 2])
        let retry2 = try append(log, pid: 7, epoch: 0, seq: 3, count: 2)
        #expect(retry2.isDuplicate && [retry2.baseOffset, retry2.lastOffset] == [3, 4])
        #expect(log.logEndOffset == 5)

        #expect(errorCode { _ = try append(log, pid: 7, epoch: 0, seq: 6) } == 45)  // gap: OUT_OF_ORDER_SEQUENCE_NUMBER
        #expect(errorCode { _ = try append(log, pid: 7, epoch: 0, seq: 4) } == 45)  // overlaps, not a known batch
        #expect(errorCode { _ = try append(log, pid: 7, epoch: 1, seq: 3) } == 45)  // a new epoch starts at 0
        #expect(log.logEndOffset == 5)

        #expect(try append(log, pid: 7, epoch: 1, seq: 0).baseOffset == 5)
        #expect(errorCode { _ = try append(log, pid: 7, epoch: 0, seq: 5) } == 47)  // INVALID_PRODUCER_EPOCH
        #expect(try append(log, pid: 7, epoch: 1, seq: 1).baseOffset == 6)

        // Producers are independent; non-idempotent batches are not checked.
        #expect(try append(log, pid: 8, epoch: 0, seq: 0).baseOffset == 7)
        #expect(try Fixtures.append(log, ["plain"]).baseOffset == 8)
        #expect(log.logEndOffset == 9)
    }

    @Test func onlyTheLastFiveBatchesAreRecognisedAsDuplicates() throws {
        let dir = TempDirectory()
        let manager = try Fixtures.manager(dir)
        defer { manager.close() }
        try manager.createTopic("t", partitions: 1, overrides: [:])
        let log = try #require(manager.partition(tp))
        for seq in Int32(0)..<6 { _ = try append(log, pid: 1, epoch: 0, seq: seq) }
        #expect(errorCode { _ = try append(log, pid: 1, epoch: 0, seq: 0) } == 45)
        let duplicate = try append(log, pid: 1, epoch: 0, seq: 1)
        #expect(duplicate.isDuplicate && duplicate.baseOffset == 1)
    }

    @Test func sequencesWrapAtInt32Max() {
        #expect(ProducerStateTable.increment(Int32.max, by: 1) == 0)
        #expect(ProducerStateTable.increment(Int32.max - 1, by: 3) == 1)
        #expect(ProducerStateTable.increment(5, by: 2) == 7)
    }

    @Test func duplicateOnLogAppendTimeTopicReturnsTheOriginalTime() throws {
        let dir = TempDirectory()
        let manager = try Fixtures.manager(dir)
        defer { manager.close() }
        try manager.createTopic("t", partitions: 1, overrides: ["message.timestamp.type": "LogAppendTime"])
        let log = try #require(manager.partition(tp))
        #expect(try append(log, pid: 3, epoch: 0, seq: 0, now: 111).logAppendTime == 111)
        let retry = try append(log, pid: 3, epoch: 0, seq: 0, now: 999)
        #expect(retry.isDuplicate && retry.logAppendTime == 111)
    }

    /// The state after restart, three ways: from the snapshot written at close, from
    /// a snapshot written at a roll plus the tail after it, and from the log alone.
    @Test(arguments: ["close-snapshot", "roll-snapshot", "no-snapshot"])
    func survivesRestart(_ mode: String) throws {
        let dir = TempDirectory()
        let configure: (inout LogConfig) -> Void = { $0.segmentBytes = mode == "close-snapshot" ? 1 << 30 : 700 }
        do {
            let manager = try Fixtures.manager(dir, configure)
            try manager.createTopic("t", partitions: 1, overrides: [:])
            let log = try #require(manager.partition(tp))
            for seq in Int32(0)..<10 { _ = try append(log, pid: 42, epoch: 2, seq: seq * 2, count: 2) }
            _ = try append(log, pid: 43, epoch: 0, seq: 0)
            manager.close()
        }
        let partitionDir = dir.path + "/topics/t-0"
        let snapshots = try FileManager.default.contentsOfDirectory(atPath: partitionDir).filter { $0.hasSuffix(".snapshot") }
        switch mode {
        case "close-snapshot":
            #expect(snapshots == [Segment.fileStem(21) + ".snapshot"])
        case "roll-snapshot":
            // Keep only snapshots from rolls, as after a crash.
            for name in snapshots where name == Segment.fileStem(21) + ".snapshot" {
                try FileManager.default.removeItem(atPath: partitionDir + "/" + name)
            }
            #expect(snapshots.count >= 2)
        default:
            for name in snapshots { try FileManager.default.removeItem(atPath: partitionDir + "/" + name) }
        }
        let manager = try Fixtures.manager(dir, configure)
        defer { manager.close() }
        let log = try #require(manager.partition(tp))
        let retry = try append(log, pid: 42, epoch: 2, seq: 16, count: 2)
        #expect(retry.isDuplicate && [retry.baseOffset, retry.lastOffset] == [16, 17])
        #expect(errorCode { _ = try append(log, pid: 42, epoch: 2, seq: 21) } == 45)
        #expect(errorCode { _ = try append(log, pid: 42, epoch: 1, seq: 0) } == 47)
        #expect(try append(log, pid: 42, epoch: 2, seq: 20).baseOffset == 21)
        #expect(try append(log, pid: 43, epoch: 0, seq: 1).baseOffset == 22)
    }

    @Test func snapshotRoundTripsAndRejectsDamage() {
        var table = ProducerStateTable()
        table.record(producerId: 9, epoch: 4, batch: .init(firstSequence: 0, lastSequence: 2, firstOffset: 10, lastOffset: 12, timestamp: 77))
        table.record(producerId: -5 + 10, epoch: 0, batch: .init(firstSequence: 0, lastSequence: 0, firstOffset: 13, lastOffset: 13, timestamp: 78))
        var bytes = ProducerSnapshot.encode(table, offset: 14)
        let decoded = ProducerSnapshot.decode(bytes)
        #expect(decoded?.offset == 14)
        #expect(decoded?.table.entries == table.entries)
        bytes[20] ^= 0x01
        #expect(ProducerSnapshot.decode(bytes) == nil)
        #expect(ProducerSnapshot.decode(Array(bytes.prefix(30))) == nil)
    }

    @Test func aSnapshotPastTheRecoveredEndIsDeleted() throws {
        let dir = TempDirectory()
        do {
            let manager = try Fixtures.manager(dir)
            try manager.createTopic("t", partitions: 1, overrides: [:])
            let log = try #require(manager.partition(tp))
            for seq in Int32(0)..<4 { _ = try append(log, pid: 5, epoch: 0, seq: seq) }
            manager.close()
        }
        let partitionDir = dir.path + "/topics/t-0"
        let snapshot = partitionDir + "/" + Segment.fileStem(4) + ".snapshot"
        #expect(FileManager.default.fileExists(atPath: snapshot))
        // The last batch is torn away: the snapshot at offset 4 no longer matches the log.
        try Damage.truncate(partitionDir + "/" + Segment.fileStem(0) + ".log", by: 3)
        let manager = try Fixtures.manager(dir)
        defer { manager.close() }
        let log = try #require(manager.partition(tp))
        #expect(log.logEndOffset == 3)
        #expect(!FileManager.default.fileExists(atPath: snapshot))
        // Producer 5 continues from its last batch still in the log (sequence 2).
        #expect(try append(log, pid: 5, epoch: 0, seq: 3).baseOffset == 3)
    }
}
