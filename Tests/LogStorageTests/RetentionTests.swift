import Foundation
import Testing

@testable import LogStorage

@Suite struct RetentionTests {
    let tp = TopicPartition(topic: "t", partition: 0)

    func segmentFiles(_ dir: TempDirectory) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path + "/topics/t-0").filter { $0.hasSuffix(".log") }.sorted()
    }

    @Test func retentionMsDeletesWholeExpiredSegments() throws {
        let dir = TempDirectory()
        let manager = try Fixtures.manager(dir) { $0.segmentBytes = 400 }
        defer { manager.close() }
        try manager.createTopic("t", partitions: 1, overrides: ["retention.ms": "1000"])
        let log = try #require(manager.partition(tp))
        // Four batches per segment roughly; timestamps 0…9000.
        for i in Int64(0)..<10 { try Fixtures.append(log, ["value-\(i)"], timestamps: [i * 1000], now: i * 1000) }
        let before = try segmentFiles(dir).count
        #expect(before >= 3)

        // At now = 6500 everything with max timestamp < 5500 is gone; segments are whole.
        let deleted = manager.enforceRetention(now: 6500)
        #expect(deleted > 0)
        #expect(try segmentFiles(dir).count == before - deleted)
        let start = log.logStartOffset
        #expect(start > 0 && start <= 6)
        #expect(try segmentFiles(dir).first == Segment.fileStem(start) + ".log")
        #expect(try log.readAll().map(\.offset) == Array(start..<10))
        do {
            _ = try log.read(from: start - 1, maxBytes: 100)
            Issue.record("expected OFFSET_OUT_OF_RANGE")
        } catch {
            #expect(error.errorCode == .offsetOutOfRange)
        }
        // Far in the future everything expires, the active segment too: it is rolled first.
        #expect(manager.enforceRetention(now: 1_000_000) > 0)
        #expect(log.logStartOffset == 10)
        #expect(log.logEndOffset == 10)
        #expect(try segmentFiles(dir) == [Segment.fileStem(10) + ".log"])
        #expect(try Fixtures.append(log, ["again"]).baseOffset == 10)
    }

    @Test func retentionBytesKeepsTheNewestSegmentsUnderTheLimit() throws {
        let dir = TempDirectory()
        let manager = try Fixtures.manager(dir) { $0.segmentBytes = 300 }
        defer { manager.close() }
        try manager.createTopic("t", partitions: 1, overrides: ["retention.bytes": "700", "retention.ms": "-1"])
        let log = try #require(manager.partition(tp))
        for i in 0..<20 { try Fixtures.append(log, ["value-\(i)"]) }
        _ = manager.enforceRetention(now: Int64.max / 2)
        var total = 0
        for name in try segmentFiles(dir) {
            total += try FileManager.default.attributesOfItem(atPath: dir.path + "/topics/t-0/" + name)[.size] as! Int
        }
        #expect(total <= 700 + 300)
        #expect(total > 700 - 300)
        #expect(log.logStartOffset > 0)
        #expect(try log.readAll().map(\.offset) == Array(log.logStartOffset..<20))
    }

    @Test func segmentMsRollsTheActiveSegment() throws {
        let dir = TempDirectory()
        let manager = try Fixtures.manager(dir)
        defer { manager.close() }
        try manager.createTopic("t", partitions: 1, overrides: ["segment.ms": "100", "retention.ms": "-1"])
        let log = try #require(manager.partition(tp))
        try Fixtures.append(log, ["a"], timestamps: [1000], now: 1000)
        try Fixtures.append(log, ["b"], timestamps: [1050], now: 1050)
        #expect(try segmentFiles(dir).count == 1)
        // The next append after segment.ms rolls; so does retention on an idle partition.
        try Fixtures.append(log, ["c"], timestamps: [1200], now: 1200)
        #expect(try segmentFiles(dir) == [Segment.fileStem(0) + ".log", Segment.fileStem(2) + ".log"])
        #expect(manager.enforceRetention(now: 1400) == 0)
        #expect(try segmentFiles(dir).count == 3)
        #expect(try log.readAll().map(\.value) == ["a", "b", "c"])
    }

    @Test func deleteRecordsMovesTheStartAndPersistsIt() throws {
        let dir = TempDirectory()
        do {
            let manager = try Fixtures.manager(dir) { $0.segmentBytes = 400 }
            try manager.createTopic("t", partitions: 1, overrides: ["retention.ms": "-1"])
            let log = try #require(manager.partition(tp))
            for i in 0..<10 { try Fixtures.append(log, ["value-\(i)"]) }
            let segmentsBefore = try segmentFiles(dir).count
            #expect(try log.deleteRecords(before: 5) == 5)
            #expect(log.logStartOffset == 5)
            #expect(try segmentFiles(dir).count < segmentsBefore)
            #expect(try log.read(from: 5, maxBytes: 10).logStartOffset == 5)
            // Whole batches are served: the first may hold offsets below the start.
            #expect(try log.readAll().filter { $0.offset >= 5 }.map(\.offset) == [5, 6, 7, 8, 9])
            #expect(try log.deleteRecords(before: 3) == 5)
            do {
                _ = try log.deleteRecords(before: 11)
                Issue.record("expected OFFSET_OUT_OF_RANGE")
            } catch {
                #expect(error.errorCode == .offsetOutOfRange)
            }
            do {
                _ = try log.read(from: 4, maxBytes: 10)
                Issue.record("expected OFFSET_OUT_OF_RANGE")
            } catch {
                #expect(error.errorCode == .offsetOutOfRange)
            }
            manager.close()
        }
        let manager = try Fixtures.manager(dir) { $0.segmentBytes = 400 }
        defer { manager.close() }
        let log = try #require(manager.partition(tp))
        #expect(log.logStartOffset == 5)
        #expect(try log.deleteRecords(before: -1) == 10)
        #expect(log.logStartOffset == 10)
    }
}
