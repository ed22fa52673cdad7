import Foundation
@testable import GroupCoordinator
import KafkaWire
import Testing

@Suite struct OffsetTests {
    @Test func standaloneCommitAndFetchRoundTrip() async throws {
        let harness = try Harness()
        let coordinator = harness.coordinator
        let commit = await coordinator.offsetCommit(
            commitRequest(offsets: [("t", 0, 42), ("t", 1, 7), ("u", 0, 3)], metadata: "meta", leaderEpoch: 5),
            version: 7, partitionExists: allPartitionsExist)
        #expect(commitCodes(commit) == [0, 0, 0])
        #expect(commit.topics.map(\.name) == ["t", "u"])

        let some = await coordinator.offsetFetch(fetchRequest(topics: [("t", [0, 2])]), version: 7)
        #expect(some.errorCode == 0)
        let offsets = fetched(some)
        #expect(offsets["t-0"]?.0 == 42 && offsets["t-0"]?.1 == "meta" && offsets["t-0"]?.2 == 0)
        #expect(offsets["t-2"]?.0 == -1 && offsets["t-2"]?.1 == "" && offsets["t-2"]?.2 == 0)
        #expect(some.topics[0].partitions[0].committedLeaderEpoch == 5)
        #expect(some.topics[0].partitions[1].committedLeaderEpoch == -1)

        // Null topics (v2+): every committed partition, sorted.
        let all = await coordinator.offsetFetch(fetchRequest(topics: nil), version: 2)
        #expect(all.topics.map(\.name) == ["t", "u"])
        #expect(all.topics[0].partitions.map(\.partitionIndex) == [0, 1])

        // v8 batches groups; an unknown group answers -1 without an error.
        let batched = await coordinator.offsetFetch(OffsetFetchRequest(groups: [
            .init(groupId: "g", topics: [.init(name: "u", partitionIndexes: [0])]),
            .init(groupId: "unknown", topics: nil),
            .init(groupId: "unknown", topics: [.init(name: "t", partitionIndexes: [0])]),
        ]), version: 8)
        #expect(batched.groups.map(\.errorCode) == [0, 0, 0])
        #expect(batched.groups[0].topics[0].partitions[0].committedOffset == 3)
        #expect(batched.groups[1].topics.isEmpty)
        #expect(batched.groups[2].topics[0].partitions[0].committedOffset == -1)

        // Commits older than v6 carry no leader epoch.
        _ = await coordinator.offsetCommit(commitRequest(offsets: [("t", 0, 43)], leaderEpoch: 9), version: 5, partitionExists: allPartitionsExist)
        let after = await coordinator.offsetFetch(fetchRequest(topics: [("t", [0])]), version: 5)
        #expect(after.topics[0].partitions[0].committedOffset == 43)
        #expect(after.topics[0].partitions[0].committedLeaderEpoch == -1)
        await harness.cleanUp()
    }

    @Test func commitRejectsLargeMetadataUnknownPartitionsAndEmptyGroupId() async throws {
        let harness = try Harness()
        let coordinator = harness.coordinator
        let big = String(repeating: "x", count: 4097)
        let tooLarge = await coordinator.offsetCommit(
            commitRequest(offsets: [("t", 0, 1)], metadata: big), version: 2, partitionExists: allPartitionsExist)
        #expect(commitCodes(tooLarge) == [KafkaErrorCode.offsetMetadataTooLarge.rawValue])
        let mixed = await coordinator.offsetCommit(
            commitRequest(offsets: [("t", 0, 1), ("t", 9, 1)]), version: 2, partitionExists: { _, partition in partition < 3 })
        #expect(commitCodes(mixed) == [0, KafkaErrorCode.unknownTopicOrPartition.rawValue])
        let nullMetadata = await coordinator.offsetCommit(
            commitRequest(offsets: [("t", 1, 5)], metadata: nil), version: 2, partitionExists: allPartitionsExist)
        #expect(commitCodes(nullMetadata) == [0])
        #expect(fetched(await coordinator.offsetFetch(fetchRequest(topics: [("t", [1])]), version: 3))["t-1"]?.1 == "")
        let noGroup = await coordinator.offsetCommit(commitRequest(group: "", offsets: [("t", 0, 1)]), version: 2, partitionExists: allPartitionsExist)
        #expect(commitCodes(noGroup) == [KafkaErrorCode.invalidGroupId.rawValue])
        // A non-negative generation for a group that does not exist is stale.
        let stale = await coordinator.offsetCommit(
            commitRequest(group: "gone", generation: 3, memberId: "m", offsets: [("t", 0, 1)]), version: 2, partitionExists: allPartitionsExist)
        #expect(commitCodes(stale) == [KafkaErrorCode.illegalGeneration.rawValue])
        await harness.cleanUp()
    }

    @Test func memberCommitsAreCheckedAgainstGenerationAndMembership() async throws {
        let harness = try Harness()
        let coordinator = harness.coordinator
        let join = await coordinator.joinGroup(joinRequest(), version: 3, clientId: "c", clientHost: "h")
        let member = join.memberId
        func commit(generation: Int32, memberId: String) async -> [Int16] {
            commitCodes(await coordinator.offsetCommit(
                commitRequest(generation: generation, memberId: memberId, offsets: [("t", 0, 10)]),
                version: 7, partitionExists: allPartitionsExist))
        }
        // Joined but not synced: no assignment yet.
        #expect(await commit(generation: 1, memberId: member) == [KafkaErrorCode.rebalanceInProgress.rawValue])
        _ = await coordinator.syncGroup(syncRequest(generation: 1, memberId: member, assignments: [member: [1]]), version: 3)
        #expect(await commit(generation: 1, memberId: member) == [0])
        #expect(await commit(generation: 2, memberId: member) == [KafkaErrorCode.illegalGeneration.rawValue])
        #expect(await commit(generation: 1, memberId: "ghost") == [KafkaErrorCode.unknownMemberId.rawValue])
        // Standalone commits are refused while the group has members.
        #expect(await commit(generation: -1, memberId: "") == [KafkaErrorCode.unknownMemberId.rawValue])
        await harness.cleanUp()
    }

    @Test func offsetsSurviveRestartAndTornFinalLineIsIgnored() async throws {
        let harness = try Harness()
        let coordinator = harness.coordinator
        _ = await coordinator.offsetCommit(
            commitRequest(offsets: [("t", 0, 100), ("t", 1, 200)], metadata: "a\nb\"c", leaderEpoch: 3),
            version: 8, partitionExists: allPartitionsExist)
        _ = await coordinator.offsetCommit(commitRequest(offsets: [("t", 1, 201)]), version: 8, partitionExists: allPartitionsExist)
        // A consumer group, so the restart also has its protocol type.
        let join = await coordinator.joinGroup(joinRequest(group: "cg"), version: 3, clientId: "c", clientHost: "h")
        #expect(join.generationId == 1)
        await coordinator.shutdown()

        // A crash in the middle of the next append leaves half a line behind.
        let log = harness.directory.path + "/offsets.log"
        let handle = try #require(FileHandle(forWritingAtPath: log))
        handle.seekToEndOfFile()
        handle.write(Data(#"{"kind":"commit","group":"g","entries":[{"topic":"t","partition":0,"off"#.utf8))
        try handle.close()

        let reopened = try harness.reopen()
        let offsets = fetched(await reopened.offsetFetch(fetchRequest(topics: [("t", [0, 1])]), version: 7))
        #expect(offsets["t-0"]?.0 == 100 && offsets["t-0"]?.1 == "a\nb\"c")
        #expect(offsets["t-1"]?.0 == 201)
        let epoch = await reopened.offsetFetch(fetchRequest(topics: [("t", [0])]), version: 7).topics[0].partitions[0].committedLeaderEpoch
        #expect(epoch == 3)
        // The torn tail was cut: new appends after it load again.
        _ = await reopened.offsetCommit(commitRequest(offsets: [("t", 2, 5)]), version: 8, partitionExists: allPartitionsExist)
        await reopened.shutdown()
        let third = try harness.reopen()
        #expect(fetched(await third.offsetFetch(fetchRequest(topics: [("t", [2])]), version: 7))["t-2"]?.0 == 5)
        let listed = await third.listGroups(ListGroupsRequest(), version: 4).groups
        #expect(listed.map(\.groupId) == ["cg", "g"])
        #expect(listed.map(\.protocolType) == ["consumer", ""])
        #expect(listed.map(\.groupState) == ["Empty", "Empty"])
        // The generation continues after a restart.
        let rejoin = await third.joinGroup(joinRequest(group: "cg"), version: 3, clientId: "c", clientHost: "h")
        #expect(rejoin.generationId == 2)
        await third.shutdown()
        harness.directory.remove()
    }

    @Test func offsetsLogIsCompactedWhenItGrows() async throws {
        let directory = try TemporaryDirectory()
        let store = try OffsetStore(directory: directory.path, logger: .init(label: "test"))
        store.compactionMinBytes = 2_000
        for offset in 0..<200 {
            try store.append([OffsetLogRecord(kind: .commit, group: "g", entries: [
                .init(topic: "t", partition: 0, offset: Int64(offset), leaderEpoch: -1, metadata: "", timestamp: 0),
            ])])
        }
        let size = try FileManager.default.attributesOfItem(atPath: store.logPath)[.size] as? Int ?? 0
        #expect(size < 4_000)
        store.close()
        let reloaded = try OffsetStore(directory: directory.path, logger: .init(label: "test"))
        #expect(reloaded.offsets["g"]?[TopicPartition(topic: "t", partition: 0)]?.offset == 199)
        reloaded.close()
        directory.remove()
    }

    @Test func offsetsOfEmptyGroupsExpireAfterRetention() async throws {
        let harness = try Harness(configure: {
            $0.offsetsRetentionMinutes = 1
            $0.offsetsRetentionCheckIntervalMs = 0
        })
        let coordinator = harness.coordinator
        _ = await coordinator.offsetCommit(commitRequest(group: "standalone", offsets: [("t", 0, 1)]), version: 2, partitionExists: allPartitionsExist)
        // A group with a live member keeps its offsets however old.
        let join = await coordinator.joinGroup(joinRequest(group: "live", sessionTimeoutMs: 300_000), version: 3, clientId: "c", clientHost: "h")
        _ = await coordinator.syncGroup(syncRequest(group: "live", generation: 1, memberId: join.memberId), version: 3)
        _ = await coordinator.offsetCommit(
            commitRequest(group: "live", generation: 1, memberId: join.memberId, offsets: [("t", 0, 1)]),
            version: 2, partitionExists: allPartitionsExist)

        await harness.advance(by: 59_999)
        #expect(fetched(await coordinator.offsetFetch(fetchRequest(group: "standalone", topics: [("t", [0])]), version: 2))["t-0"]?.0 == 1)
        await harness.advance(by: 1)
        #expect(fetched(await coordinator.offsetFetch(fetchRequest(group: "standalone", topics: [("t", [0])]), version: 2))["t-0"]?.0 == -1)
        #expect(await coordinator.listGroups(ListGroupsRequest(), version: 0).groups.map(\.groupId) == ["live"])
        await harness.advance(by: 120_000)
        #expect(fetched(await coordinator.offsetFetch(fetchRequest(group: "live", topics: [("t", [0])]), version: 2))["t-0"]?.0 == 1)
        await harness.cleanUp()
    }

    @Test func deletedTopicLosesItsOffsets() async throws {
        let harness = try Harness()
        let coordinator = harness.coordinator
        _ = await coordinator.offsetCommit(commitRequest(offsets: [("t", 0, 1), ("u", 0, 2)]), version: 2, partitionExists: allPartitionsExist)
        await coordinator.topicDeleted("t")
        let all = await coordinator.offsetFetch(fetchRequest(topics: nil), version: 2)
        #expect(all.topics.map(\.name) == ["u"])
        await coordinator.shutdown()
        let reopened = try harness.reopen()
        #expect(await reopened.offsetFetch(fetchRequest(topics: nil), version: 2).topics.map(\.name) == ["u"])
        await reopened.shutdown()
        harness.directory.remove()
    }
}
