import KafkaWire

/// One classic consumer group's membership protocol as a pure state machine: every input
/// takes the current time and returns `GroupAction`s; nothing here sleeps, stores or
/// answers a socket. `GroupCoordinator` owns the machines and runs their actions.
///
/// Members' held-back JoinGroup/SyncGroup requests are named by `PendingRequestID`, so a
/// rebalance that completes because of one member's input answers the others too.
struct GroupStateMachine: Sendable {
    /// The rebalance's completion condition while in PreparingRebalance.
    enum RebalanceTimer: Sendable, Equatable {
        /// First rebalance of an empty group: wait `initialRebalanceDelayMs` (again while
        /// new members keep arriving) up to the rebalance timeout, never completing early.
        case initialDelay(deadline: Int64, remainingMs: Int64, newMemberAdded: Bool)
        /// Complete as soon as every member rejoined, or at the deadline without the others.
        case join(deadline: Int64)
    }

    let groupId: String
    let initialRebalanceDelayMs: Int64
    let maxSize: Int

    // Internal rather than private(set) so the machine's extensions in sibling files can
    // mutate them; only the machine itself does.
    var state: GroupState = .empty
    /// When `state` last changed; offsets of an empty group expire relative to it.
    var stateTimestamp: Int64
    var generationId: Int32
    var protocolType: String?
    var protocolName: String?
    var leaderId: String?
    var members: [String: GroupMember] = [:]
    /// Join order: the first member leads, and the next one takes over when it leaves.
    var memberOrder: [String] = []
    /// Member ids handed out with MEMBER_ID_REQUIRED, by expiry time.
    var pendingMembers: [String: Int64] = [:]
    /// group.instance.id → member id of static members.
    var staticMembers: [String: String] = [:]
    /// Members of the current generation that have not sent SyncGroup yet.
    var pendingSyncMembers: Set<String> = []
    var syncDeadline: Int64?
    var rebalanceTimer: RebalanceTimer?

    init(groupId: String, config: GroupConfig, now: Int64, protocolType: String? = nil, generationId: Int32 = 0) {
        self.groupId = groupId
        self.initialRebalanceDelayMs = Int64(max(config.initialRebalanceDelayMs, 0))
        self.maxSize = Int(max(config.maxSize, 1))
        self.stateTimestamp = now
        self.protocolType = protocolType
        self.generationId = generationId
    }

    var isEmptyOfMembers: Bool { members.isEmpty && pendingMembers.isEmpty }

    /// The longest rebalance timeout among members: how long a rebalance waits for rejoins.
    var rebalanceTimeoutMs: Int64 {
        Int64(members.values.map(\.rebalanceTimeoutMs).max() ?? 0)
    }

    mutating func transition(to newState: GroupState, now: Int64) {
        state = newState
        stateTimestamp = now
    }

    /// A static member's instance id bound to another member id: the caller is an older
    /// incarnation that a restart replaced.
    func isFenced(memberId: String, groupInstanceId: String?) -> Bool {
        guard let instanceId = groupInstanceId, let current = staticMembers[instanceId] else { return false }
        return current != memberId
    }

    /// Protocol names every member supports, in the first member's order of preference.
    var candidateProtocols: [String] {
        guard let first = memberOrder.first, let firstMember = members[first] else { return [] }
        return firstMember.protocols.map(\.name).filter { name in
            members.values.allSatisfy { member in member.protocols.contains { $0.name == name } }
        }
    }

    /// Whether a member with these protocols may join: same protocol type and at least one
    /// protocol in common with every current member (any, for a group without members).
    func supports(protocolType type: String, protocols: [MemberProtocol]) -> Bool {
        if members.isEmpty {
            return !type.isEmpty && !protocols.isEmpty
        }
        let candidates = candidateProtocols
        return type == protocolType && protocols.contains { candidates.contains($0.name) }
    }

    /// Each member votes for its most preferred protocol all members support; most votes
    /// wins, ties going to the earlier candidate so the choice is deterministic.
    func selectProtocol() -> String? {
        let candidates = candidateProtocols
        var votes: [String: Int] = [:]
        for member in members.values {
            if let choice = member.protocols.first(where: { candidates.contains($0.name) }) {
                votes[choice.name, default: 0] += 1
            }
        }
        var best: String?
        for name in candidates where votes[name, default: 0] > votes[best ?? "", default: -1] {
            best = name
        }
        return best
    }

    /// The members list only the leader receives: what it computes assignments from.
    var currentMemberMetadata: [JoinGroupResponse.JoinGroupResponseMember] {
        memberOrder.compactMap { id in
            members[id].map {
                JoinGroupResponse.JoinGroupResponseMember(
                    memberId: id, groupInstanceId: $0.groupInstanceId, metadata: $0.metadata(for: protocolName))
            }
        }
    }

    /// The successful JoinGroup answer for `memberId` in the current generation.
    func joinResult(for memberId: String) -> JoinGroupResponse {
        JoinGroupResponse(
            errorCode: KafkaErrorCode.none.rawValue,
            generationId: generationId,
            protocolType: protocolType,
            protocolName: protocolName,
            leader: leaderId ?? "",
            memberId: memberId,
            members: memberId == leaderId ? currentMemberMetadata : []
        )
    }

    static func joinError(_ code: KafkaErrorCode, memberId: String = "") -> JoinGroupResponse {
        JoinGroupResponse(errorCode: code.rawValue, generationId: -1, protocolName: nil, leader: "", memberId: memberId)
    }

    func syncResult(_ code: KafkaErrorCode, assignment: [UInt8] = []) -> SyncGroupResponse {
        SyncGroupResponse(
            errorCode: code.rawValue,
            protocolType: code == .none ? protocolType : nil,
            protocolName: code == .none ? protocolName : nil,
            assignment: assignment
        )
    }
}
