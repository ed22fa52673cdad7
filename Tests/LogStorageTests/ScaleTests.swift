import Foundation
import Testing

@testable import LogStorage

@Suite struct ScaleTests {
    /// 1,000 partitions written, read and reopened with at most 64 descriptors open.
    @Test func thousandPartitionsWithABoundedHandleCache() async throws {
        let dir = TempDirectory("scale")
        let capacity = 64
        var maxSeen = 0
        do {
            let manager = try Fixtures.manager(dir, durability: .groupCommit, maxOpenFiles: capacity)
            try manager.createTopic("wide", partitions: 1000, overrides: ["segment.bytes": "2048"])
            for round in 0..<3 {
                for p in Int32(0)..<1000 {
                    let log = try #require(manager.partition(TopicPartition(topic: "wide", partition: p)))
                    let result = try Fixtures.append(log, ["p\(p)-r\(round)-" + String(repeating: "x", count: 700)])
                    if p % 100 == 0 { try await log.waitUntilDurable(result.lastOffset) }
                    maxSeen = max(maxSeen, manager.openFileCount)
                }
            }
            #expect(manager.files.totalOpens > capacity)
            try manager.flushAll()
            manager.close()
        }
        #expect(maxSeen <= capacity)

        let clock = ContinuousClock()
        let start = clock.now
        let manager = try Fixtures.manager(dir, maxOpenFiles: capacity)
        defer { manager.close() }
        let opened = start.duration(to: clock.now)
        print("scale: reopened 1,000 partitions (3,000+ segments) in \(opened) (debug build)")
        #expect(manager.openFileCount <= capacity)
        for p in Int32(0)..<1000 {
            let log = try #require(manager.partition(TopicPartition(topic: "wide", partition: p)))
            #expect(log.logEndOffset == 3)
            let values = try log.readAll().map { $0.value.prefix { $0 != "x" } }
            #expect(values == ["p\(p)-r0-", "p\(p)-r1-", "p\(p)-r2-"])
            maxSeen = max(maxSeen, manager.openFileCount)
        }
        #expect(maxSeen <= capacity)
    }

    @Test func handleCacheEvictsLeastRecentlyUsedAndNeverClosesAPinnedDescriptor() throws {
        let dir = TempDirectory("handles")
        let cache = FileHandleCache(capacity: 8)
        let paths = (0..<20).map { "\(dir.path)/f\($0)" }
        try cache.withDescriptor(paths[0], create: true) { (pinned) throws(StorageError) in
            for path in paths.dropFirst() {
                try cache.withDescriptor(path, create: true) { _ in }
            }
            #expect(cache.openCount <= 8)
            // The pinned descriptor is still the file it was.
            #expect(fcntl(pinned, F_GETFD) != -1)
            try [UInt8(7)].withBytes { (raw) throws(StorageError) in try FileIO.write(pinned, raw, at: 0, path: paths[0]) }
        }
        #expect(try FileIO.readAll(paths[0]) == [7])
        cache.closeAll()
        #expect(cache.openCount == 0)
    }
}
