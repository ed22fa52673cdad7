import Testing

@testable import LogStorage

@Suite struct TimestampTests {
    let tp = TopicPartition(topic: "t", partition: 0)

    @Test func findsTheFirstRecordAtOrAfterATimestamp() throws {
        let dir = TempDirectory()
        let manager = try Fixtures.manager(dir) { $0.segmentBytes = 600; $0.indexIntervalBytes = 1 }
        defer { manager.close() }
        try manager.createTopic("t", partitions: 1, overrides: [:])
        let log = try #require(manager.partition(tp))
        // Batches of two records, timestamps 100·i and 100·i + 50; one batch goes back in time.
        for i in Int64(0)..<20 { try Fixtures.append(log, ["a\(i)", "b\(i)"], timestamps: [100 * i, 100 * i + 50]) }
        try Fixtures.append(log, ["late"], timestamps: [10])

        #expect(try log.offset(forTimestamp: 0).map { [$0.offset, $0.timestamp] } == [0, 0])
        #expect(try log.offset(forTimestamp: 50).map { [$0.offset, $0.timestamp] } == [1, 50])
        #expect(try log.offset(forTimestamp: 51).map { [$0.offset, $0.timestamp] } == [2, 100])
        #expect(try log.offset(forTimestamp: 1234).map { [$0.offset, $0.timestamp] } == [25, 1250])
        #expect(try log.offset(forTimestamp: 1950).map { [$0.offset, $0.timestamp] } == [39, 1950])
        #expect(try log.offset(forTimestamp: 1951) == nil)
        #expect(try log.maxTimestamp().map { [$0.offset, $0.timestamp] } == [39, 1950])

        // The same answers after a restart (indexes loaded lazily from disk).
        manager.close()
        let reopened = try Fixtures.manager(dir) { $0.segmentBytes = 600; $0.indexIntervalBytes = 1 }
        defer { reopened.close() }
        let again = try #require(reopened.partition(tp))
        #expect(try again.offset(forTimestamp: 1234).map { [$0.offset, $0.timestamp] } == [25, 1250])
        #expect(try again.offset(forTimestamp: 51).map { [$0.offset, $0.timestamp] } == [2, 100])
        #expect(try again.maxTimestamp().map { [$0.offset, $0.timestamp] } == [39, 1950])
    }

    @Test func emptyLogHasNoTimestamps() throws {
        let dir = TempDirectory()
        let manager = try Fixtures.manager(dir)
        defer { manager.close() }
        try manager.createTopic("t", partitions: 1, overrides: [:])
        let log = try #require(manager.partition(tp))
        #expect(try log.offset(forTimestamp: 0) == nil)
        #expect(try log.maxTimestamp() == nil)
    }

    @Test func respectsTheLogStartOffset() throws {
        let dir = TempDirectory()
        let manager = try Fixtures.manager(dir)
        defer { manager.close() }
        try manager.createTopic("t", partitions: 1, overrides: [:])
        let log = try #require(manager.partition(tp))
        try Fixtures.append(log, ["a", "b", "c"], timestamps: [100, 200, 300])
        #expect(try log.deleteRecords(before: 2) == 2)
        #expect(try log.offset(forTimestamp: 0).map { [$0.offset, $0.timestamp] } == [2, 300])
    }
}
