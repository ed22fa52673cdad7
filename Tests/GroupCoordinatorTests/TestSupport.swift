import Foundation
import Testing
@testable import GroupCoordinator
import KafkaWire
import Logging

/// A wall clock that moves only when a test says so.
final class ManualClock: @unchecked Sendable {
    // @unchecked: `value` is only touched under `lock`.
    private let lock = NSLock()
    private var value: Int64

    init(_ start: Int64 = 1_700_000_000_000) { value = start }

    var now: Int64 { lock.withLock { value } }

    func advance(by milliseconds: Int64) {
        lock.withLock { value += milliseconds }
    }
}

/// A fresh directory under the system temp dir, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "group-coordinator-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// A coordinator on a manual clock with no background timer: time passes only through
/// `clock.advance` followed by `tick()`.
struct Harness {
    let clock = ManualClock()
    let directory: TemporaryDirectory
    var config: GroupConfig
    let coordinator: GroupCoordinator

    init(initialRebalanceDelayMs: Int32 = 0, configure: (inout GroupConfig) -> Void = { _ in }) throws {
        var config = GroupConfig()
        config.initialRebalanceDelayMs = initialRebalanceDelayMs
        configure(&config)
        self.config = config
        directory = try TemporaryDirectory()
        coordinator = try Self.open(directory.path, config: config, clock: clock)
    }

    static func open(_ path: String, config: GroupConfig, clock: ManualClock) throws -> GroupCoordinator {
        try GroupCoordinator(
            directory: path, config: config, logger: Logger(label: "test"),
            now: { clock.now }, timerInterval: nil)
    }

    /// A second coordinator on the same directory, as after a broker restart.
    func reopen() throws -> GroupCoordinator {
        try Self.open(directory.path, config: config, clock: clock)
    }

    func advance(by milliseconds: Int64) async {
        clock.advance(by: milliseconds)
        await coordinator.tick()
    }

    /// Waits until `count` requests are suspended in the coordinator (long polls started
    /// from child tasks register asynchronously).
    func waitForPending(_ count: Int) async throws {
        for _ in 0..<2000 {
            if await coordinator.pendingRequestCount >= count { return }
            try await Task.sleep(for: .milliseconds(1))
        }
        Issue.record("timed out waiting for \(count) pending requests")
    }

    func cleanUp() async {
        await coordinator.shutdown()
        directory.remove()
    }
}

/// Consumer-protocol subscription metadata (version 0) for `topics`.
func subscription(_ topics: [String]) -> [UInt8] {
    var bytes: [UInt8] = [0, 0]
    let count = UInt32(topics.count)
    bytes += [UInt8(count >> 24), UInt8(count >> 16 & 0xff), UInt8(count >> 8 & 0xff), UInt8(count & 0xff)]
    for topic in topics {
        let utf8 = Array(topic.utf8)
        bytes += [UInt8(utf8.count >> 8), UInt8(utf8.count & 0xff)] + utf8
    }
    return bytes
}

func joinRequest(
    group: String = "g",
    memberId: String = "",
    instanceId: String? = nil,
    sessionTimeoutMs: Int32 = 10_000,
    rebalanceTimeoutMs: Int32 = 30_000,
    protocolType: String = "consumer",
    protocols: [(String, [UInt8])] = [("range", subscription(["t"]))]
) -> JoinGroupRequest {
    JoinGroupRequest(
        groupId: group, sessionTimeoutMs: sessionTimeoutMs, rebalanceTimeoutMs: rebalanceTimeoutMs,
        memberId: memberId, groupInstanceId: instanceId, protocolType: protocolType,
        protocols: protocols.map { .init(name: $0.0, metadata: $0.1) })
}

func syncRequest(
    group: String = "g", generation: Int32, memberId: String, assignments: [String: [UInt8]] = [:]
) -> SyncGroupRequest {
    SyncGroupRequest(
        groupId: group, generationId: generation, memberId: memberId,
        assignments: assignments.sorted { $0.key < $1.key }.map { .init(memberId: $0.key, assignment: $0.value) })
}

func heartbeatRequest(group: String = "g", generation: Int32, memberId: String, instanceId: String? = nil) -> HeartbeatRequest {
    HeartbeatRequest(groupId: group, generationId: generation, memberId: memberId, groupInstanceId: instanceId)
}

func commitRequest(
    group: String = "g", generation: Int32 = -1, memberId: String = "",
    offsets: [(String, Int32, Int64)], metadata: String? = "", leaderEpoch: Int32 = -1
) -> OffsetCommitRequest {
    var byTopic: [(String, [OffsetCommitRequest.OffsetCommitRequestPartition])] = []
    for (topic, partition, offset) in offsets {
        let entry = OffsetCommitRequest.OffsetCommitRequestPartition(
            partitionIndex: partition, committedOffset: offset, committedLeaderEpoch: leaderEpoch, committedMetadata: metadata)
        if let index = byTopic.firstIndex(where: { $0.0 == topic }) {
            byTopic[index].1.append(entry)
        } else {
            byTopic.append((topic, [entry]))
        }
    }
    return OffsetCommitRequest(
        groupId: group, generationIdOrMemberEpoch: generation, memberId: memberId,
        topics: byTopic.map { .init(name: $0.0, partitions: $0.1) })
}

func fetchRequest(group: String = "g", topics: [(String, [Int32])]?) -> OffsetFetchRequest {
    OffsetFetchRequest(groupId: group, topics: topics.map { $0.map { .init(name: $0.0, partitionIndexes: $0.1) } })
}

let allPartitionsExist: @Sendable (String, Int32) -> Bool = { _, _ in true }

/// (topic, partition) → (offset, metadata, error) from a v1–7 OffsetFetch response.
func fetched(_ response: OffsetFetchResponse) -> [String: (Int64, String?, Int16)] {
    var result: [String: (Int64, String?, Int16)] = [:]
    for topic in response.topics {
        for partition in topic.partitions {
            result["\(topic.name)-\(partition.partitionIndex)"] = (partition.committedOffset, partition.metadata, partition.errorCode)
        }
    }
    return result
}

func commitCodes(_ response: OffsetCommitResponse) -> [Int16] {
    response.topics.flatMap { $0.partitions.map(\.errorCode) }
}
