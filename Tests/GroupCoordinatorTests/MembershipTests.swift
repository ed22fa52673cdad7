@testable import GroupCoordinator
import KafkaWire
import Testing

/// Forms a Stable group of `count` members joining together during the initial delay
/// (v3: no MEMBER_ID_REQUIRED round trip). Returns member ids in join order (leader first).
func formStableGroup(_ harness: Harness, count: Int, group: String = "g") async throws -> (generation: Int32, members: [String]) {
    let coordinator = harness.coordinator
    var responses: [JoinGroupResponse] = []
    try await withThrowingTaskGroup(of: JoinGroupResponse.self) { tasks in
        for index in 0..<count {
            try await harness.waitForPending(index)
            tasks.addTask {
                await coordinator.joinGroup(joinRequest(group: group), version: 3, clientId: "c\(index)", clientHost: "/10.0.0.\(index)")
            }
        }
        try await harness.waitForPending(count)
        // Members after the first extend the initial delay once more (Kafka's rule).
        await harness.advance(by: Int64(harness.config.initialRebalanceDelayMs))
        await harness.advance(by: Int64(harness.config.initialRebalanceDelayMs))
        for try await response in tasks {
            responses.append(response)
        }
    }
    let leader = responses[0].leader
    let members = responses.first { $0.memberId == leader }!.members.map(\.memberId)
    let generation = responses[0].generationId
    let assignments = Dictionary(uniqueKeysWithValues: members.map { ($0, Array("assigned-\($0)".utf8)) })
    for member in members where member != leader {
        _ = try await syncInBackground(harness, generation: generation, memberId: member, group: group)
    }
    let leaderSync = await coordinator.syncGroup(
        syncRequest(group: group, generation: generation, memberId: leader, assignments: assignments), version: 3)
    #expect(leaderSync.errorCode == 0)
    return (generation, members)
}

/// Starts a SyncGroup that waits for the leader; returns once it is suspended.
func syncInBackground(_ harness: Harness, generation: Int32, memberId: String, group: String = "g") async throws -> Task<SyncGroupResponse, Never> {
    let before = await harness.coordinator.pendingRequestCount
    let coordinator = harness.coordinator
    let task = Task {
        await coordinator.syncGroup(syncRequest(group: group, generation: generation, memberId: memberId), version: 3)
    }
    try await harness.waitForPending(before + 1)
    return task
}

@Suite struct MembershipTests {
    @Test func twoMembersJoinAsLeaderAndFollowerThenSyncDistributesAssignments() async throws {
        let harness = try Harness(initialRebalanceDelayMs: 3000)
        let coordinator = harness.coordinator
        async let first = coordinator.joinGroup(joinRequest(), version: 3, clientId: "alpha", clientHost: "/10.0.0.1")
        try await harness.waitForPending(1)
        async let second = coordinator.joinGroup(joinRequest(), version: 3, clientId: "beta", clientHost: "/10.0.0.2")
        try await harness.waitForPending(2)

        // Still inside the initial delay: nobody is answered.
        await harness.advance(by: 2999)
        #expect(await coordinator.pendingRequestCount == 2)
        // A member arrived during the delay, so the delay runs once more in case others
        // follow (bounded by the rebalance timeout).
        await harness.advance(by: 1)
        #expect(await coordinator.pendingRequestCount == 2)
        await harness.advance(by: 3000)
        let (a, b) = await (first, second)

        #expect(a.errorCode == 0 && b.errorCode == 0)
        #expect(a.generationId == 1 && b.generationId == 1)
        #expect(a.memberId.hasPrefix("alpha-") && b.memberId.hasPrefix("beta-"))
        #expect(a.leader == a.memberId && b.leader == a.memberId)
        #expect(a.protocolName == "range" && b.protocolName == "range")
        #expect(a.members.map(\.memberId) == [a.memberId, b.memberId])
        #expect(a.members.map(\.metadata) == [subscription(["t"]), subscription(["t"])])
        #expect(b.members.isEmpty)
        #expect(await coordinator.state(of: "g") == .completingRebalance)

        // The follower syncs first and waits for the leader's assignments.
        let followerSync = try await syncInBackground(harness, generation: 1, memberId: b.memberId)
        let leaderSync = await coordinator.syncGroup(
            syncRequest(generation: 1, memberId: a.memberId, assignments: [a.memberId: [1], b.memberId: [2, 2]]), version: 3)
        #expect(leaderSync.errorCode == 0 && leaderSync.assignment == [1])
        let follower = await followerSync.value
        #expect(follower.errorCode == 0 && follower.assignment == [2, 2])
        #expect(await coordinator.state(of: "g") == .stable)

        // A late sync in Stable gets the stored assignment at once.
        let again = await coordinator.syncGroup(syncRequest(generation: 1, memberId: b.memberId), version: 3)
        #expect(again.errorCode == 0 && again.assignment == [2, 2])
        #expect(await coordinator.heartbeat(heartbeatRequest(generation: 1, memberId: b.memberId), version: 3).errorCode == 0)
        await harness.cleanUp()
    }

    @Test func newMemberTriggersRebalanceThatExistingMembersJoin() async throws {
        let harness = try Harness(initialRebalanceDelayMs: 100)
        let coordinator = harness.coordinator
        let (generation, members) = try await formStableGroup(harness, count: 2)
        #expect(generation == 1)

        async let third = coordinator.joinGroup(joinRequest(), version: 3, clientId: "gamma", clientHost: "h")
        try await harness.waitForPending(1)
        #expect(await coordinator.state(of: "g") == .preparingRebalance)
        for member in members {
            let beat = await coordinator.heartbeat(heartbeatRequest(generation: 1, memberId: member), version: 3)
            #expect(beat.errorCode == KafkaErrorCode.rebalanceInProgress.rawValue)
        }
        // Sync of the old generation during the rebalance is refused too.
        let staleSync = await coordinator.syncGroup(syncRequest(generation: 1, memberId: members[1]), version: 3)
        #expect(staleSync.errorCode == KafkaErrorCode.rebalanceInProgress.rawValue)

        async let rejoinLeader = coordinator.joinGroup(joinRequest(memberId: members[0]), version: 3, clientId: "c0", clientHost: "h")
        try await harness.waitForPending(2)
        // The last rejoin completes the rebalance without waiting for a timeout.
        let rejoinFollower = await coordinator.joinGroup(joinRequest(memberId: members[1]), version: 3, clientId: "c1", clientHost: "h")
        let (leader, newcomer) = await (rejoinLeader, third)
        for response in [leader, newcomer, rejoinFollower] {
            #expect(response.errorCode == 0)
            #expect(response.generationId == 2)
            #expect(response.leader == members[0])
        }
        #expect(leader.members.map(\.memberId) == members + [newcomer.memberId])
        #expect(rejoinFollower.members.isEmpty && newcomer.members.isEmpty)
        await harness.cleanUp()
    }

    @Test func rebalanceTimeoutDropsMembersThatDoNotRejoin() async throws {
        let harness = try Harness(initialRebalanceDelayMs: 100)
        let coordinator = harness.coordinator
        let (_, members) = try await formStableGroup(harness, count: 2)
        // Only the leader rejoins (e.g. metadata changed); the follower stays silent.
        async let rejoin = coordinator.joinGroup(
            joinRequest(memberId: members[0], protocols: [("range", subscription(["t", "u"]))]), version: 3, clientId: "c0", clientHost: "h")
        try await harness.waitForPending(1)
        await harness.advance(by: 9_000)  // within the follower's session: it heartbeats
        #expect(await coordinator.heartbeat(heartbeatRequest(generation: 1, memberId: members[1]), version: 3).errorCode == 27)
        await harness.advance(by: 21_000)  // rebalance timeout (30 s) reached
        let response = await rejoin
        #expect(response.errorCode == 0 && response.generationId == 2)
        #expect(response.members.map(\.memberId) == [members[0]])
        #expect(await coordinator.heartbeat(heartbeatRequest(generation: 2, memberId: members[1]), version: 3).errorCode == 25)
        await harness.cleanUp()
    }

    @Test func leavingMemberTriggersRebalance() async throws {
        let harness = try Harness(initialRebalanceDelayMs: 100)
        let coordinator = harness.coordinator
        let (_, members) = try await formStableGroup(harness, count: 2)

        // The leader leaves (v0 request): the follower takes over after rejoining.
        let left = await coordinator.leaveGroup(LeaveGroupRequest(groupId: "g", memberId: members[0]), version: 0)
        #expect(left.errorCode == 0)
        #expect(await coordinator.state(of: "g") == .preparingRebalance)
        #expect(await coordinator.heartbeat(heartbeatRequest(generation: 1, memberId: members[1]), version: 3).errorCode == 27)
        let rejoin = await coordinator.joinGroup(joinRequest(memberId: members[1]), version: 3, clientId: "c1", clientHost: "h")
        #expect(rejoin.errorCode == 0 && rejoin.generationId == 2)
        #expect(rejoin.leader == members[1] && rejoin.members.map(\.memberId) == [members[1]])

        // Leaving again, unknown member: per-member errors from v3.
        let batch = await coordinator.leaveGroup(
            LeaveGroupRequest(groupId: "g", members: [.init(memberId: members[1]), .init(memberId: "nobody")]), version: 3)
        #expect(batch.errorCode == 0)
        #expect(batch.members.map(\.errorCode) == [0, KafkaErrorCode.unknownMemberId.rawValue])
        // No member left: the rebalance it starts completes at once into an empty group.
        #expect(await coordinator.state(of: "g") == .empty)
        let unknownGroup = await coordinator.leaveGroup(LeaveGroupRequest(groupId: "nope", memberId: "m"), version: 1)
        #expect(unknownGroup.errorCode == KafkaErrorCode.unknownMemberId.rawValue)
        await harness.cleanUp()
    }

    @Test func sessionTimeoutRemovesSilentMember() async throws {
        let harness = try Harness(initialRebalanceDelayMs: 100)
        let coordinator = harness.coordinator
        let (_, members) = try await formStableGroup(harness, count: 2)
        await harness.advance(by: 6_000)
        #expect(await coordinator.heartbeat(heartbeatRequest(generation: 1, memberId: members[0]), version: 3).errorCode == 0)
        await harness.advance(by: 3_999)
        #expect(await coordinator.state(of: "g") == .stable)
        await harness.advance(by: 1)  // the follower's 10 s session ran out
        #expect(await coordinator.state(of: "g") == .preparingRebalance)
        #expect(await coordinator.heartbeat(heartbeatRequest(generation: 1, memberId: members[0]), version: 3).errorCode == 27)
        let rejoin = await coordinator.joinGroup(joinRequest(memberId: members[0]), version: 3, clientId: "c0", clientHost: "h")
        #expect(rejoin.generationId == 2 && rejoin.members.map(\.memberId) == [members[0]])
        #expect(await coordinator.heartbeat(heartbeatRequest(generation: 1, memberId: members[1]), version: 3).errorCode == 25)
        await harness.cleanUp()
    }

    @Test func memberIdRequiredFlowFromVersion4() async throws {
        let harness = try Harness()
        let coordinator = harness.coordinator
        let first = await coordinator.joinGroup(joinRequest(), version: 5, clientId: "rdkafka", clientHost: "/1.2.3.4")
        #expect(first.errorCode == KafkaErrorCode.memberIdRequired.rawValue)
        #expect(first.memberId.hasPrefix("rdkafka-") && first.generationId == -1)
        #expect(first.protocolName == "")
        let second = await coordinator.joinGroup(joinRequest(memberId: first.memberId), version: 5, clientId: "rdkafka", clientHost: "/1.2.3.4")
        #expect(second.errorCode == 0 && second.memberId == first.memberId && second.generationId == 1)
        #expect(second.leader == first.memberId && second.members.map(\.memberId) == [first.memberId])

        // A handed-out id expires after the session timeout if never used.
        let other = await coordinator.joinGroup(joinRequest(group: "h"), version: 7, clientId: "kp", clientHost: "h")
        #expect(other.errorCode == KafkaErrorCode.memberIdRequired.rawValue && other.protocolName == nil)
        await harness.advance(by: 10_000)
        let late = await coordinator.joinGroup(joinRequest(group: "h", memberId: other.memberId), version: 7, clientId: "kp", clientHost: "h")
        #expect(late.errorCode == KafkaErrorCode.unknownMemberId.rawValue)
        await harness.cleanUp()
    }

    @Test func version0FlowAssignsMemberIdDirectly() async throws {
        let harness = try Harness()
        let coordinator = harness.coordinator
        let join = await coordinator.joinGroup(joinRequest(), version: 0, clientId: "old", clientHost: "h")
        #expect(join.errorCode == 0 && join.memberId.hasPrefix("old-") && join.generationId == 1)
        #expect(join.protocolName == "range" && join.protocolType == nil)
        let sync = await coordinator.syncGroup(
            syncRequest(generation: 1, memberId: join.memberId, assignments: [join.memberId: [7]]), version: 0)
        #expect(sync.errorCode == 0 && sync.assignment == [7] && sync.protocolName == nil)
        #expect(await coordinator.heartbeat(heartbeatRequest(generation: 1, memberId: join.memberId), version: 0).errorCode == 0)
        #expect(await coordinator.leaveGroup(LeaveGroupRequest(groupId: "g", memberId: join.memberId), version: 0).errorCode == 0)
        await harness.cleanUp()
    }

    @Test func errorsForWrongGenerationUnknownMemberAndBadRequests() async throws {
        let harness = try Harness(configure: { $0.maxSize = 1 })
        let coordinator = harness.coordinator
        let join = await coordinator.joinGroup(joinRequest(), version: 3, clientId: "c", clientHost: "h")
        let member = join.memberId

        #expect(await coordinator.syncGroup(syncRequest(generation: 5, memberId: member), version: 3).errorCode == 22)
        #expect(await coordinator.syncGroup(syncRequest(generation: 1, memberId: "ghost"), version: 3).errorCode == 25)
        #expect(await coordinator.syncGroup(syncRequest(group: "none", generation: 1, memberId: member), version: 3).errorCode == 25)
        #expect(await coordinator.heartbeat(heartbeatRequest(generation: 5, memberId: member), version: 3).errorCode == 22)
        #expect(await coordinator.heartbeat(heartbeatRequest(generation: 1, memberId: "ghost"), version: 3).errorCode == 25)
        #expect(await coordinator.heartbeat(heartbeatRequest(group: "none", generation: 1, memberId: member), version: 3).errorCode == 25)
        #expect(await coordinator.heartbeat(heartbeatRequest(group: "", generation: 1, memberId: member), version: 3).errorCode == 24)

        func joinCode(_ request: JoinGroupRequest) async -> Int16 {
            await coordinator.joinGroup(request, version: 3, clientId: "c", clientHost: "h").errorCode
        }
        #expect(await joinCode(joinRequest(group: "")) == KafkaErrorCode.invalidGroupId.rawValue)
        #expect(await joinCode(joinRequest(sessionTimeoutMs: 5_999)) == KafkaErrorCode.invalidSessionTimeout.rawValue)
        #expect(await joinCode(joinRequest(sessionTimeoutMs: 1_800_001)) == KafkaErrorCode.invalidSessionTimeout.rawValue)
        #expect(await joinCode(joinRequest(group: "none", memberId: "stale")) == KafkaErrorCode.unknownMemberId.rawValue)
        #expect(await joinCode(joinRequest(protocolType: "connect")) == KafkaErrorCode.inconsistentGroupProtocol.rawValue)
        #expect(await joinCode(joinRequest(protocols: [("roundrobin", [])])) == KafkaErrorCode.inconsistentGroupProtocol.rawValue)
        #expect(await joinCode(joinRequest(memberId: "ghost")) == KafkaErrorCode.unknownMemberId.rawValue)
        #expect(await joinCode(joinRequest()) == KafkaErrorCode.groupMaxSizeReached.rawValue)
        await harness.cleanUp()
    }

    @Test func staticMemberRejoinReplacesOldIdWithoutRebalance() async throws {
        let harness = try Harness()
        let coordinator = harness.coordinator
        // Static members skip MEMBER_ID_REQUIRED.
        let join = await coordinator.joinGroup(joinRequest(instanceId: "pod-1"), version: 5, clientId: "c", clientHost: "h")
        #expect(join.errorCode == 0 && join.memberId.hasPrefix("pod-1-") && join.generationId == 1)
        _ = await coordinator.syncGroup(syncRequest(generation: 1, memberId: join.memberId, assignments: [join.memberId: [9]]), version: 3)

        // Restarted with the same instance id: new member id, same generation, no rebalance.
        let restarted = await coordinator.joinGroup(joinRequest(instanceId: "pod-1"), version: 5, clientId: "c", clientHost: "h")
        #expect(restarted.errorCode == 0 && restarted.memberId != join.memberId && restarted.generationId == 1)
        #expect(await coordinator.state(of: "g") == .stable)
        let sync = await coordinator.syncGroup(syncRequest(generation: 1, memberId: restarted.memberId), version: 3)
        #expect(sync.assignment == [9])

        // The old incarnation is fenced.
        let fenced = await coordinator.heartbeat(
            heartbeatRequest(generation: 1, memberId: join.memberId, instanceId: "pod-1"), version: 3)
        #expect(fenced.errorCode == KafkaErrorCode.fencedInstanceId.rawValue)
        // Leaving by instance id alone (v3+).
        let leave = await coordinator.leaveGroup(
            LeaveGroupRequest(groupId: "g", members: [.init(memberId: "", groupInstanceId: "pod-1")]), version: 4)
        #expect(leave.members.map(\.errorCode) == [0])
        await harness.cleanUp()
    }

    @Test func shutdownReleasesWaitingJoins() async throws {
        let harness = try Harness(initialRebalanceDelayMs: 3000)
        let coordinator = harness.coordinator
        async let join = coordinator.joinGroup(joinRequest(), version: 3, clientId: "c", clientHost: "h")
        try await harness.waitForPending(1)
        await coordinator.shutdown()
        #expect(await join.errorCode == KafkaErrorCode.notCoordinator.rawValue)
        #expect(await coordinator.heartbeat(heartbeatRequest(generation: 1, memberId: "m"), version: 3).errorCode == 15)
        harness.directory.remove()
    }
}
