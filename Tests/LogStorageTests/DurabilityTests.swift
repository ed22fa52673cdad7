import Foundation
import Testing

@testable import LogStorage

@Suite struct DurabilityTests {
    let tp = TopicPartition(topic: "t", partition: 0)

    @Test func groupCommitReturnsOnceAnFsyncCoversTheOffset() async throws {
        let dir = TempDirectory()
        let manager = try Fixtures.manager(dir, durability: .groupCommit)
        defer { manager.close() }
        try manager.createTopic("t", partitions: 1, overrides: [:])
        let log = try #require(manager.partition(tp))
        let result = try Fixtures.append(log, ["a"])
        try await log.waitUntilDurable(result.lastOffset)
        #expect(log.state.withLock { $0.durableOffset } == 1)
        #expect(log.state.withLock { $0.segments[0].flushedSize == $0.segments[0].size })
    }

    @Test func concurrentAppendersShareFsyncs() async throws {
        let dir = TempDirectory()
        let manager = try Fixtures.manager(dir, durability: .groupCommit)
        defer { manager.close() }
        try manager.createTopic("t", partitions: 2, overrides: [:])
        let logs = [try #require(manager.partition(tp)), try #require(manager.partition(TopicPartition(topic: "t", partition: 1)))]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for appender in 0..<8 {
                group.addTask {
                    let log = logs[appender % 2]
                    for i in 0..<25 {
                        let result = try Fixtures.append(log, ["w\(appender)-\(i)"])
                        try await log.waitUntilDurable(result.lastOffset)
                        #expect(log.state.withLock { $0.durableOffset } > result.lastOffset)
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(logs.map(\.logEndOffset) == [100, 100])
        #expect(Set(try logs[0].readAll().map(\.value)).count == 100)
    }

    @Test func pageCacheModeDoesNotWait() async throws {
        let dir = TempDirectory()
        let manager = try Fixtures.manager(dir)
        defer { manager.close() }
        try manager.createTopic("t", partitions: 1, overrides: [:])
        let log = try #require(manager.partition(tp))
        try Fixtures.append(log, ["a"])
        try await log.waitUntilDurable(0)
        #expect(log.state.withLock { $0.durableOffset } == 0)
    }

    @Test func flushMessagesTriggersAnFsync() async throws {
        let dir = TempDirectory()
        let manager = try Fixtures.manager(dir)
        defer { manager.close() }
        try manager.createTopic("t", partitions: 1, overrides: ["flush.messages": "3"])
        let log = try #require(manager.partition(tp))
        try Fixtures.append(log, ["a", "b"])
        try Fixtures.append(log, ["c"])
        try await waitUntil { log.state.withLock { $0.durableOffset } == 3 }
    }

    @Test func flushMsTriggersAnFsync() async throws {
        let dir = TempDirectory()
        let manager = try Fixtures.manager(dir)
        defer { manager.close() }
        try manager.createTopic("t", partitions: 1, overrides: ["flush.ms": "50"])
        let log = try #require(manager.partition(tp))
        try Fixtures.append(log, ["a"])
        #expect(log.state.withLock { $0.durableOffset } == 0)
        try await waitUntil { log.state.withLock { $0.durableOffset } == 1 }
    }

    @Test func flushAllMakesEverythingDurable() throws {
        let dir = TempDirectory()
        let manager = try Fixtures.manager(dir)
        defer { manager.close() }
        try manager.createTopic("t", partitions: 3, overrides: [:])
        for p in Int32(0)..<3 { try Fixtures.append(try #require(manager.partition(TopicPartition(topic: "t", partition: p))), ["x"]) }
        try manager.flushAll()
        for p in Int32(0)..<3 {
            #expect(manager.partition(TopicPartition(topic: "t", partition: p))?.state.withLock { $0.durableOffset } == 1)
        }
    }

    @Test func waitForAppendWakesOnAppendAndTimesOut() async throws {
        let dir = TempDirectory()
        let manager = try Fixtures.manager(dir)
        defer { manager.close() }
        try manager.createTopic("t", partitions: 1, overrides: [:])
        let log = try #require(manager.partition(tp))

        let clock = ContinuousClock()
        let timedOut = await clock.measure { await log.waitForAppend(after: 0, timeout: .milliseconds(100)) }
        #expect(timedOut >= .milliseconds(100))

        // Many waiters at once, all woken by one append.
        let start = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<1000 { group.addTask { await log.waitForAppend(after: -1 + 0, timeout: .seconds(30)) } }
            group.addTask {
                try await Task.sleep(for: .milliseconds(50))
                try Fixtures.append(log, ["wake"])
            }
            try await group.waitForAll()
        }
        #expect(start.duration(to: clock.now) < .seconds(10))
        // Already satisfied: returns at once.
        await log.waitForAppend(after: 0, timeout: .seconds(30))
        #expect(log.state.withLock { $0.appendWaiters.isEmpty })
    }

    @Test func waitForAppendHonoursTinyTimeoutsAndCancellation() async throws {
        let dir = TempDirectory()
        let manager = try Fixtures.manager(dir)
        defer { manager.close() }
        try manager.createTopic("t", partitions: 1, overrides: [:])
        let log = try #require(manager.partition(tp))
        let clock = ContinuousClock()
        let quick = await clock.measure {
            for _ in 0..<200 { await log.waitForAppend(after: 10, timeout: .zero) }
        }
        // Hang guards, not speed targets: loose enough for a loaded 2-core machine.
        #expect(quick < .seconds(60))
        let waiter = Task { await log.waitForAppend(after: 10, timeout: .seconds(600)) }
        try await Task.sleep(for: .milliseconds(20))
        waiter.cancel()
        let cancelled = await clock.measure { await waiter.value }
        #expect(cancelled < .seconds(60))
        try await waitUntil(timeout: .seconds(60)) { log.state.withLock { $0.appendWaiters.isEmpty } }
    }
}

func waitUntil(timeout: Duration = .seconds(10), _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("condition not met within \(timeout)")
            return
        }
        try await Task.sleep(for: .milliseconds(5))
    }
}
