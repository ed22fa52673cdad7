@testable import GroupCoordinator
import KafkaWire
import Testing

/// The state machine alone: inputs in, actions out, time only as an argument.
@Suite struct GroupStateMachineTests {
    var nextRequest: UInt64 = 0

    mutating func join(
        _ machine: inout GroupStateMachine, memberId: String = "", newId: String, at now: Int64,
        protocols: [String] = ["range"], rebalanceTimeoutMs: Int32 = 30_000
    ) -> (PendingRequestID, [GroupAction]) {
        nextRequest += 1
        let id = PendingRequestID(rawValue: nextRequest)
        let input = JoinInput(
            requestId: id, memberId: memberId, groupInstanceId: nil, clientId: "c", clientHost: "h",
            sessionTimeoutMs: 10_000, rebalanceTimeoutMs: rebalanceTimeoutMs, protocolType: "consumer",
            protocols: protocols.map { MemberProtocol(name: $0, metadata: []) },
            requireKnownMemberId: false, newMemberId: newId)
        return (id, machine.join(input, now: now))
    }

    mutating func sync(_ machine: inout GroupStateMachine, memberId: String, generation: Int32, at now: Int64, assignments: [String: [UInt8]] = [:]) -> (PendingRequestID, [GroupAction]) {
        nextRequest += 1
        let id = PendingRequestID(rawValue: nextRequest)
        let input = SyncInput(requestId: id, memberId: memberId, groupInstanceId: nil, generationId: generation, assignments: assignments)
        return (id, machine.sync(input, now: now))
    }

    static func config(initialDelayMs: Int32) -> GroupConfig {
        var config = GroupConfig()
        config.initialRebalanceDelayMs = initialDelayMs
        return config
    }

    /// Join answers among `actions`, by request.
    static func joins(_ actions: [GroupAction]) -> [PendingRequestID: JoinGroupResponse] {
        var result: [PendingRequestID: JoinGroupResponse] = [:]
        for case .joinResponse(let id, let response) in actions { result[id] = response }
        return result
    }

    static func syncs(_ actions: [GroupAction]) -> [PendingRequestID: SyncGroupResponse] {
        var result: [PendingRequestID: SyncGroupResponse] = [:]
        for case .syncResponse(let id, let response) in actions { result[id] = response }
        return result
    }

    @Test mutating func protocolChosenByMembersVotes() {
        var machine = GroupStateMachine(groupId: "g", config: Self.config(initialDelayMs: 0), now: 0)
        let (a, first) = join(&machine, newId: "a", at: 0, protocols: ["range", "roundrobin"])
        #expect(Self.joins(first)[a]?.protocolName == "range")  // alone: its first choice
        // Two more members prefer roundrobin; "sticky" is not supported by everyone.
        let (b, _) = join(&machine, newId: "b", at: 0, protocols: ["sticky", "roundrobin", "range"])
        let (c, _) = join(&machine, newId: "c", at: 0, protocols: ["roundrobin", "range"])
        let (a2, actions) = join(&machine, memberId: "a", newId: "unused", at: 0, protocols: ["range", "roundrobin"])
        let answers = Self.joins(actions)
        #expect(Set(answers.keys) == [a2, b, c])
        #expect(answers.values.allSatisfy { $0.protocolName == "roundrobin" && $0.generationId == 2 })
        #expect(actions.contains(.persistGroup))
    }

    @Test mutating func initialDelayIsExtendedByNewMembersUpToRebalanceTimeout() {
        var machine = GroupStateMachine(groupId: "g", config: Self.config(initialDelayMs: 3000), now: 0)
        let (a, _) = join(&machine, newId: "a", at: 0, rebalanceTimeoutMs: 5000)
        let (b, _) = join(&machine, newId: "b", at: 1000, rebalanceTimeoutMs: 5000)
        #expect(machine.expireTimers(now: 2999).isEmpty)
        // b arrived during the delay: one more round, capped by what is left of 5 s.
        #expect(machine.expireTimers(now: 3000).isEmpty)
        #expect(machine.nextDeadline == 5000)
        let (c, _) = join(&machine, newId: "c", at: 4000, rebalanceTimeoutMs: 5000)
        let answers = Self.joins(machine.expireTimers(now: 5000))
        #expect(Set(answers.keys) == [a, b, c])
        #expect(answers[a]?.members.map(\.memberId) == ["a", "b", "c"])
        #expect(machine.state == .completingRebalance)
    }

    @Test mutating func followerWaitingForSyncIsToldToRejoinWhenLeaderLeaves() {
        var machine = GroupStateMachine(groupId: "g", config: Self.config(initialDelayMs: 100), now: 0)
        _ = join(&machine, newId: "a", at: 0)
        _ = join(&machine, newId: "b", at: 0)
        #expect(Self.joins(machine.expireTimers(now: 200)).count == 2)
        let (followerSync, waiting) = sync(&machine, memberId: "b", generation: 1, at: 300)
        #expect(waiting.isEmpty)
        let (code, actions) = machine.leave(memberId: "a", groupInstanceId: nil, now: 400)
        #expect(code == .none)
        #expect(Self.syncs(actions)[followerSync]?.errorCode == KafkaErrorCode.rebalanceInProgress.rawValue)
        #expect(machine.state == .preparingRebalance && machine.leaderId == "b")
    }

    @Test mutating func memberThatNeverSyncsIsDroppedAfterRebalanceTimeout() {
        var machine = GroupStateMachine(groupId: "g", config: Self.config(initialDelayMs: 100), now: 0)
        _ = join(&machine, newId: "a", at: 0, rebalanceTimeoutMs: 20_000)
        _ = join(&machine, newId: "b", at: 0, rebalanceTimeoutMs: 20_000)
        _ = machine.expireTimers(now: 200)
        let (_, leaderSync) = sync(&machine, memberId: "a", generation: 1, at: 300, assignments: ["a": [1], "b": [2]])
        #expect(Self.syncs(leaderSync).values.map(\.assignment) == [[1]])
        // b heartbeats but never syncs: after the rebalance timeout it is removed.
        for time: Int64 in [9_000, 18_000] {
            #expect(machine.heartbeat(memberId: "b", groupInstanceId: nil, generationId: 1, now: time) == .none)
            #expect(machine.heartbeat(memberId: "a", groupInstanceId: nil, generationId: 1, now: time) == .none)
        }
        _ = machine.expireTimers(now: 20_199)
        #expect(machine.members.count == 2)
        _ = machine.expireTimers(now: 20_200)
        #expect(machine.members.keys.sorted() == ["a"] && machine.state == .preparingRebalance)
    }

    @Test mutating func repeatedJoinReleasesTheEarlierRequest() {
        var machine = GroupStateMachine(groupId: "g", config: Self.config(initialDelayMs: 3000), now: 0)
        let (first, _) = join(&machine, newId: "a", at: 0)
        let (second, actions) = join(&machine, memberId: "a", newId: "unused", at: 10)
        #expect(Self.joins(actions)[first]?.errorCode == KafkaErrorCode.rebalanceInProgress.rawValue)
        #expect(Self.joins(machine.expireTimers(now: 3000))[second]?.errorCode == 0)
    }

    @Test func consumerSubscriptionTopicsAreRead() {
        #expect(ConsumerProtocolSubscription.topics(in: subscription(["a", "bb"])) == ["a", "bb"])
        #expect(ConsumerProtocolSubscription.topics(in: subscription(["a"]) + [0, 0, 0, 0]) == ["a"])
        #expect(ConsumerProtocolSubscription.topics(in: [0, 0, 0, 0, 0, 5, 0]) == nil)
        #expect(ConsumerProtocolSubscription.topics(in: []) == nil)
    }
}
