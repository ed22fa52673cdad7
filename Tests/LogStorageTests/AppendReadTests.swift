import Foundation
import KafkaWire
import NIOCore
import Testing

@testable import LogStorage

@Suite struct AppendReadTests {
    let tp = TopicPartition(topic: "t", partition: 0)

    @Test func appendAssignsConsecutiveOffsets() throws {
        let dir = TempDirectory()
        let manager = try Fixtures.manager(dir)
        defer { manager.close() }
        try manager.createTopic("t", partitions: 1, overrides: [:])
        let log = try #require(manager.partition(tp))
        let first = try Fixtures.append(log, ["a", "b"])
        let second = try Fixtures.append(log, ["c", "d", "e"])
        let third = try Fixtures.append(log, ["f"])
        #expect((first.baseOffset, first.lastOffset) == (0, 1))
        #expect((second.baseOffset, second.lastOffset) == (2, 4))
        #expect((third.baseOffset, third.lastOffset) == (5, 5))
        #expect(first.logAppendTime == -1 && !first.isDuplicate && first.logStartOffset == 0)
        #expect(log.logEndOffset == 6)
        #expect(log.logStartOffset == 0)
    }

    @Test func readServesWholeBatchesFromTheOneHoldingTheOffset() throws {
        let dir = TempDirectory()
        let manager = try Fixtures.manager(dir)
        defer { manager.close() }
        try manager.createTopic("t", partitions: 1, overrides: [:])
        let log = try #require(manager.partition(tp))
        try Fixtures.append(log, ["a", "b"])
        try Fixtures.append(log, ["c", "d", "e"])
        try Fixtures.append(log, ["f"])

        let result = try log.read(from: 3, maxBytes: 1 << 20)
        #expect(Fixtures.batchBases(result.records) == [2, 5])
        #expect(Fixtures.values(result.records) == ["c", "d", "e", "f"])
        #expect(result.highWatermark == 6)
        #expect(result.logStartOffset == 0)

        // The stored batch is the client's batch with offsets set: same CRC, same bytes after the header prefix.
        var sent = Fixtures.batch(["c", "d", "e"])
        _ = try RecordBatch.assignOffsets(in: &sent, firstOffset: 2, partitionLeaderEpoch: 0)
        let served = result.records.getSlice(at: result.records.readerIndex, length: sent.readableBytes)
        #expect(served == sent)

        #expect(try log.read(from: 6, maxBytes: 1 << 20).records.readableBytes == 0)
        #expect(throws: StorageError.self) { try log.read(from: 7, maxBytes: 100) }
        do {
            _ = try log.read(from: 7, maxBytes: 100)
        } catch {
            #expect(error.errorCode == .offsetOutOfRange)
        }
    }

    @Test func maxBytesStopsAtWholeBatchesButServesAtLeastOne() throws {
        let dir = TempDirectory()
        let manager = try Fixtures.manager(dir)
        defer { manager.close() }
        try manager.createTopic("t", partitions: 1, overrides: [:])
        let log = try #require(manager.partition(tp))
        let big = String(repeating: "x", count: 500)
        for _ in 0..<4 { try Fixtures.append(log, [big]) }
        let one = Fixtures.batch([big]).readableBytes

        #expect(Fixtures.batchBases(try log.read(from: 0, maxBytes: 1).records) == [0])
        #expect(Fixtures.batchBases(try log.read(from: 0, maxBytes: 0).records) == [0])
        #expect(Fixtures.batchBases(try log.read(from: 1, maxBytes: 2 * one).records) == [1, 2])
        #expect(Fixtures.batchBases(try log.read(from: 1, maxBytes: 2 * one - 1).records) == [1])
        #expect(try log.read(from: 0, maxBytes: 4 * one).records.readableBytes == 4 * one)
    }

    @Test func rollsBySegmentBytesAndReadsAcrossSegments() throws {
        let dir = TempDirectory()
        let manager = try Fixtures.manager(dir) { $0.segmentBytes = 1000; $0.indexIntervalBytes = 100 }
        defer { manager.close() }
        try manager.createTopic("t", partitions: 1, overrides: [:])
        let log = try #require(manager.partition(tp))
        for i in 0..<40 { try Fixtures.append(log, ["v\(i)-a", "v\(i)-b"]) }
        let segments = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/topics/t-0").filter { $0.hasSuffix(".log") }.sorted()
        #expect(segments.count > 5)
        #expect(segments.first == "00000000000000000000.log")
        // Each segment starts at a batch boundary and holds less than segment.bytes.
        for name in segments {
            let size = try FileManager.default.attributesOfItem(atPath: dir.path + "/topics/t-0/" + name)[.size] as! Int
            #expect(size <= 1000)
            #expect(Int64(name.dropLast(4))! % 2 == 0)
        }
        for offset in Int64(0)..<80 {
            let records = Fixtures.records(try log.read(from: offset, maxBytes: 10).records)
            #expect(records.first?.offset == offset & ~1, "offset \(offset)")
            #expect(records.contains { $0.offset == offset && $0.value == "v\(offset / 2)-\(offset % 2 == 0 ? "a" : "b")" })
        }
        #expect(try log.readAll().map(\.offset) == Array(0..<80))
    }

    @Test func dataSurvivesReopen() throws {
        let dir = TempDirectory()
        do {
            let manager = try Fixtures.manager(dir) { $0.segmentBytes = 2000; $0.indexIntervalBytes = 200 }
            try manager.createTopic("t", partitions: 2, overrides: ["retention.ms": "-1"])
            let log = try #require(manager.partition(tp))
            for i in 0..<50 { try Fixtures.append(log, ["r\(i)"]) }
            manager.close()
        }
        let manager = try Fixtures.manager(dir) { $0.segmentBytes = 2000; $0.indexIntervalBytes = 200 }
        defer { manager.close() }
        #expect(manager.topics()["t"]?.partitionCount == 2)
        #expect(manager.topics()["t"]?.overrides == ["retention.ms": "-1"])
        let log = try #require(manager.partition(tp))
        #expect(log.logEndOffset == 50)
        #expect(try log.readAll().map(\.value) == (0..<50).map { "r\($0)" })
        #expect(try Fixtures.append(log, ["more"]).baseOffset == 50)
        #expect(manager.partition(TopicPartition(topic: "t", partition: 1))?.logEndOffset == 0)
        #expect(manager.partition(TopicPartition(topic: "t", partition: 2)) == nil)
    }

    @Test func logAppendTimeRewritesTheBatchAndKeepsItValid() throws {
        let dir = TempDirectory()
        let manager = try Fixtures.manager(dir)
        defer { manager.close() }
        try manager.createTopic("t", partitions: 1, overrides: ["message.timestamp.type": "LogAppendTime"])
        let log = try #require(manager.partition(tp))
        let result = try Fixtures.append(log, ["a", "b"], timestamps: [10, 20], now: 777_000)
        #expect(result.logAppendTime == 777_000)
        let read = try log.read(from: 0, maxBytes: 1000).records
        let batch = try #require(try RecordBatchIterator.split(read).batches.first)
        #expect(batch.isChecksumValid)
        #expect(batch.header.timestampType == .logAppendTime)
        #expect(batch.header.maxTimestamp == 777_000)
        #expect(try log.offset(forTimestamp: 500_000)?.offset == 0)
        #expect(try log.offset(forTimestamp: 500_000)?.timestamp == 777_000)
    }

    @Test func refusesBatchesOverMaxMessageBytes() throws {
        let dir = TempDirectory()
        let manager = try Fixtures.manager(dir)
        defer { manager.close() }
        try manager.createTopic("t", partitions: 1, overrides: ["max.message.bytes": "100"])
        let log = try #require(manager.partition(tp))
        do {
            try Fixtures.append(log, [String(repeating: "y", count: 200)])
            Issue.record("expected MESSAGE_TOO_LARGE")
        } catch {
            #expect(error.errorCode == .messageTooLarge)
        }
        #expect(log.logEndOffset == 0)
    }

    @Test func compressedBatchesRoundTrip() throws {
        let dir = TempDirectory()
        let manager = try Fixtures.manager(dir)
        defer { manager.close() }
        try manager.createTopic("t", partitions: 1, overrides: [:])
        let log = try #require(manager.partition(tp))
        let records = Fixtures.batch(["one", "two", "three"], timestamps: [5, 9, 7], compression: .lz4)
        _ = try log.append(records, validated: Fixtures.validate(records), now: 1)
        #expect(try log.readAll().map(\.value) == ["one", "two", "three"])
        #expect(try log.offset(forTimestamp: 8).map { [$0.offset, $0.timestamp] } == [1, 9])
        #expect(try log.maxTimestamp().map { [$0.offset, $0.timestamp] } == [1, 9])
    }
}
