import Foundation
import Testing

@testable import LogStorage

@Suite struct TopicAdminTests {
    func code(_ body: () throws -> Void) -> KafkaErrorCodeValue? {
        do {
            try body()
            return nil
        } catch let error as StorageError {
            return error.errorCode.rawValue
        } catch {
            return -100
        }
    }

    @Test func createDescribeAlterDeletePersistAcrossRestarts() throws {
        let dir = TempDirectory()
        do {
            let manager = try Fixtures.manager(dir)
            try manager.createTopic("orders", partitions: 3, overrides: ["retention.ms": "1000"])
            try manager.createTopic("audit.events_v1", partitions: 1, overrides: [:])
            try manager.createTopic("gone", partitions: 2, overrides: [:])
            try manager.createPartitions("audit.events_v1", totalCount: 4)
            try manager.alterTopicConfig("orders", overrides: ["segment.bytes": "4096"])
            try manager.deleteTopic("gone")
            #expect(manager.config(of: "orders")?.segmentBytes == 4096)
            #expect(manager.config(of: "orders")?.retentionMs == 604_800_000)
            #expect(manager.partition(TopicPartition(topic: "gone", partition: 0)) == nil)
            manager.close()
        }
        let manager = try Fixtures.manager(dir)
        defer { manager.close() }
        let topics = manager.topics()
        #expect(Set(topics.keys) == ["orders", "audit.events_v1"])
        #expect(topics["orders"]?.partitionCount == 3)
        #expect(topics["orders"]?.overrides == ["segment.bytes": "4096"])
        #expect(topics["audit.events_v1"]?.partitionCount == 4)
        #expect(manager.partition(TopicPartition(topic: "audit.events_v1", partition: 3)) != nil)
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/topics/gone-0"))
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/meta/topics/gone.json"))
    }

    @Test func refusesWithKafkasErrorCodes() throws {
        let dir = TempDirectory()
        let manager = try Fixtures.manager(dir)
        defer { manager.close() }
        try manager.createTopic("t", partitions: 2, overrides: [:])
        #expect(code { try manager.createTopic("t", partitions: 1, overrides: [:]) } == 36)  // TOPIC_ALREADY_EXISTS
        #expect(code { try manager.createTopic("u", partitions: 0, overrides: [:]) } == 37)  // INVALID_PARTITIONS
        #expect(code { try manager.createTopic("u", partitions: 1, overrides: ["nope": "1"]) } == 40)  // INVALID_CONFIG
        #expect(code { try manager.createTopic("u", partitions: 1, overrides: ["cleanup.policy": "compact"]) } == 40)
        #expect(code { try manager.createTopic("../etc", partitions: 1, overrides: [:]) } == 17)  // INVALID_TOPIC_EXCEPTION
        #expect(code { try manager.createTopic("a/b", partitions: 1, overrides: [:]) } == 17)
        #expect(code { try manager.createTopic("..", partitions: 1, overrides: [:]) } == 17)
        #expect(code { try manager.createPartitions("t", totalCount: 2) } == 37)
        #expect(code { try manager.createPartitions("missing", totalCount: 2) } == 3)  // UNKNOWN_TOPIC_OR_PARTITION
        #expect(code { try manager.deleteTopic("missing") } == 3)
        #expect(code { try manager.alterTopicConfig("t", overrides: ["segment.ms": "0"]) } == 40)
        #expect(code { try manager.alterTopicConfig("missing", overrides: [:]) } == 3)
        #expect(manager.topics().keys.sorted() == ["t"])
    }

    @Test func deletedTopicStopsServingAndCanBeRecreatedEmpty() throws {
        let dir = TempDirectory()
        let manager = try Fixtures.manager(dir)
        defer { manager.close() }
        try manager.createTopic("t", partitions: 1, overrides: [:])
        let old = try #require(manager.partition(TopicPartition(topic: "t", partition: 0)))
        try Fixtures.append(old, ["x"])
        try manager.deleteTopic("t")
        #expect(code { _ = try old.read(from: 0, maxBytes: 10) } == 3)
        #expect(code { try Fixtures.append(old, ["y"]) } == 3)
        try manager.createTopic("t", partitions: 1, overrides: [:])
        #expect(manager.partition(TopicPartition(topic: "t", partition: 0))?.logEndOffset == 0)
    }

    @Test func aSecondManagerOnTheSameDirectoryIsRefused() throws {
        let dir = TempDirectory()
        let manager = try Fixtures.manager(dir)
        #expect(throws: StorageError.self) { _ = try Fixtures.manager(dir) }
        manager.close()
        let again = try Fixtures.manager(dir)
        again.close()
    }

    @Test func finishesADeletionACrashInterrupted() throws {
        let dir = TempDirectory()
        do {
            let manager = try Fixtures.manager(dir)
            try manager.createTopic("t", partitions: 2, overrides: [:])
            manager.close()
        }
        // As if deleteTopic had renamed one directory and then the process died.
        try FileManager.default.moveItem(atPath: dir.path + "/topics/t-0", toPath: dir.path + "/topics/t-0.deleted")
        let manager = try Fixtures.manager(dir)
        defer { manager.close() }
        #expect(manager.topics().isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path + "/topics").isEmpty)
    }
}

typealias KafkaErrorCodeValue = Int16
