@testable import GroupCoordinator
import KafkaWire
import Testing

@Suite struct AdminTests {
    @Test func deleteGroupsOnlyDeletesEmptyGroups() async throws {
        let harness = try Harness()
        let coordinator = harness.coordinator
        let join = await coordinator.joinGroup(joinRequest(group: "busy"), version: 3, clientId: "c", clientHost: "h")
        _ = await coordinator.offsetCommit(commitRequest(group: "idle", offsets: [("t", 0, 5)]), version: 2, partitionExists: allPartitionsExist)

        let result = await coordinator.deleteGroups(DeleteGroupsRequest(groupsNames: ["busy", "idle", "missing"]), version: 1)
        #expect(result.results.map(\.groupId) == ["busy", "idle", "missing"])
        #expect(result.results.map(\.errorCode) == [
            KafkaErrorCode.nonEmptyGroup.rawValue, 0, KafkaErrorCode.groupIdNotFound.rawValue,
        ])
        #expect(fetched(await coordinator.offsetFetch(fetchRequest(group: "idle", topics: [("t", [0])]), version: 2))["t-0"]?.0 == -1)
        #expect(await coordinator.listGroups(ListGroupsRequest(), version: 0).groups.map(\.groupId) == ["busy"])

        // Once its last member leaves, the group may be deleted.
        _ = await coordinator.leaveGroup(LeaveGroupRequest(groupId: "busy", memberId: join.memberId), version: 1)
        let again = await coordinator.deleteGroups(DeleteGroupsRequest(groupsNames: ["busy"]), version: 2)
        #expect(again.results.map(\.errorCode) == [0])
        #expect(await coordinator.listGroups(ListGroupsRequest(), version: 0).groups.isEmpty)
        await harness.cleanUp()
    }

    @Test func listAndDescribeGroups() async throws {
        let harness = try Harness(initialRebalanceDelayMs: 100)
        let coordinator = harness.coordinator
        let (_, members) = try await formStableGroup(harness, count: 2, group: "stable")
        _ = await coordinator.offsetCommit(commitRequest(group: "offsets-only", offsets: [("t", 0, 5)]), version: 2, partitionExists: allPartitionsExist)
        async let soloJoin = coordinator.joinGroup(joinRequest(group: "solo"), version: 3, clientId: "s", clientHost: "h")
        try await harness.waitForPending(1)
        await harness.advance(by: 100)
        let waiting = await soloJoin
        #expect(waiting.errorCode == 0)  // CompletingRebalance: joined, not synced

        let all = await coordinator.listGroups(ListGroupsRequest(), version: 4).groups
        #expect(all.map(\.groupId) == ["offsets-only", "solo", "stable"])
        #expect(all.map(\.protocolType) == ["", "consumer", "consumer"])
        #expect(all.map(\.groupState) == ["Empty", "CompletingRebalance", "Stable"])
        let filtered = await coordinator.listGroups(ListGroupsRequest(statesFilter: ["stable", "Empty"]), version: 4).groups
        #expect(filtered.map(\.groupId) == ["offsets-only", "stable"])

        let described = await coordinator.describeGroups(
            DescribeGroupsRequest(groups: ["stable", "solo", "nope"]), version: 5).groups
        #expect(described.map(\.errorCode) == [0, 0, 0])
        #expect(described.map(\.groupState) == ["Stable", "CompletingRebalance", "Dead"])
        let stable = described[0]
        #expect(stable.protocolType == "consumer" && stable.protocolData == "range")
        #expect(stable.members.map(\.memberId) == members)
        #expect(stable.members.map(\.clientId) == ["c0", "c1"])
        #expect(stable.members.map(\.clientHost) == ["/10.0.0.0", "/10.0.0.1"])
        #expect(stable.members.map(\.memberMetadata) == [subscription(["t"]), subscription(["t"])])
        #expect(stable.members.map(\.memberAssignment) == members.map { Array("assigned-\($0)".utf8) })
        // Not yet Stable: no protocol and no member metadata, as Kafka.
        #expect(described[1].protocolData == "" && described[1].members.map(\.memberMetadata) == [[]])
        #expect(described[2].members.isEmpty && described[2].protocolType == "")
        await harness.cleanUp()
    }

    @Test func offsetDeleteRespectsSubscriptions() async throws {
        let harness = try Harness()
        let coordinator = harness.coordinator
        let join = await coordinator.joinGroup(joinRequest(), version: 3, clientId: "c", clientHost: "h")
        _ = await coordinator.syncGroup(syncRequest(generation: 1, memberId: join.memberId), version: 3)
        _ = await coordinator.offsetCommit(
            commitRequest(generation: 1, memberId: join.memberId, offsets: [("t", 0, 1), ("old", 0, 2)]),
            version: 2, partitionExists: allPartitionsExist)

        let response = await coordinator.offsetDelete(OffsetDeleteRequest(groupId: "g", topics: [
            .init(name: "t", partitions: [.init(partitionIndex: 0)]),
            .init(name: "old", partitions: [.init(partitionIndex: 0)]),
        ]), version: 0)
        #expect(response.errorCode == 0)
        #expect(response.topics.flatMap { $0.partitions.map(\.errorCode) } == [KafkaErrorCode.groupSubscribedToTopic.rawValue, 0])
        let left = fetched(await coordinator.offsetFetch(fetchRequest(topics: [("t", [0]), ("old", [0])]), version: 2))
        #expect(left["t-0"]?.0 == 1 && left["old-0"]?.0 == -1)

        #expect(await coordinator.offsetDelete(OffsetDeleteRequest(groupId: "none"), version: 0).errorCode == KafkaErrorCode.groupIdNotFound.rawValue)
        #expect(await coordinator.offsetDelete(OffsetDeleteRequest(groupId: ""), version: 0).errorCode == KafkaErrorCode.invalidGroupId.rawValue)
        await harness.cleanUp()
    }
}
