import KafkaWire

extension GroupStateMachine {
    /// JoinGroup. The caller's own answer, when immediate, is among the returned actions;
    /// otherwise it comes later, when the rebalance completes.
    mutating func join(_ input: JoinInput, now: Int64) -> [GroupAction] {
        if state == .dead {
            return [.joinResponse(input.requestId, Self.joinError(.coordinatorNotAvailable, memberId: input.memberId))]
        }
        guard supports(protocolType: input.protocolType, protocols: input.protocols) else {
            return [.joinResponse(input.requestId, Self.joinError(.inconsistentGroupProtocol, memberId: input.memberId))]
        }
        if input.memberId.isEmpty {
            return joinAsNewMember(input, now: now)
        }
        return joinAsKnownMember(input, now: now)
    }

    private var isFull: Bool { members.count >= maxSize }

    private mutating func joinAsNewMember(_ input: JoinInput, now: Int64) -> [GroupAction] {
        if let instanceId = input.groupInstanceId, let oldMemberId = staticMembers[instanceId] {
            return replaceStaticMember(oldMemberId, input: input, now: now)
        }
        if isFull {
            return [.joinResponse(input.requestId, Self.joinError(.groupMaxSizeReached))]
        }
        // Static members skip the MEMBER_ID_REQUIRED round trip: their instance id
        // already identifies them across restarts.
        if input.requireKnownMemberId && input.groupInstanceId == nil {
            pendingMembers[input.newMemberId] = now + Int64(input.sessionTimeoutMs)
            return [.joinResponse(input.requestId, Self.joinError(.memberIdRequired, memberId: input.newMemberId))]
        }
        return addMemberAndRebalance(input.newMemberId, input: input, now: now)
    }

    private mutating func joinAsKnownMember(_ input: JoinInput, now: Int64) -> [GroupAction] {
        let memberId = input.memberId
        if pendingMembers[memberId] != nil {
            if isFull {
                pendingMembers[memberId] = nil
                var actions: [GroupAction] = [.joinResponse(input.requestId, Self.joinError(.groupMaxSizeReached, memberId: memberId))]
                actions += tryCompleteJoin(now: now)
                return actions
            }
            return addMemberAndRebalance(memberId, input: input, now: now)
        }
        if isFenced(memberId: memberId, groupInstanceId: input.groupInstanceId) {
            return [.joinResponse(input.requestId, Self.joinError(.fencedInstanceId, memberId: memberId))]
        }
        guard let member = members[memberId] else {
            return [.joinResponse(input.requestId, Self.joinError(.unknownMemberId, memberId: memberId))]
        }
        switch state {
        case .preparingRebalance:
            return updateMemberAndRebalance(memberId, input: input, now: now)
        case .completingRebalance:
            // A retried join (the response got lost) with unchanged protocols gets the
            // answer it missed instead of starting another rebalance.
            if member.matches(input.protocols) {
                return [.joinResponse(input.requestId, joinResult(for: memberId))]
            }
            return updateMemberAndRebalance(memberId, input: input, now: now)
        case .stable:
            // The leader rejoining means it wants to reassign (e.g. topic metadata changed).
            if memberId == leaderId || !member.matches(input.protocols) {
                return updateMemberAndRebalance(memberId, input: input, now: now)
            }
            members[memberId]?.sessionDeadline = now + Int64(member.sessionTimeoutMs)
            return [.joinResponse(input.requestId, joinResult(for: memberId))]
        case .empty, .dead:
            return [.joinResponse(input.requestId, Self.joinError(.unknownMemberId, memberId: memberId))]
        }
    }

    private mutating func addMemberAndRebalance(_ memberId: String, input: JoinInput, now: Int64) -> [GroupAction] {
        pendingMembers[memberId] = nil
        if members.isEmpty {
            protocolType = input.protocolType
        }
        members[memberId] = GroupMember(
            memberId: memberId,
            groupInstanceId: input.groupInstanceId,
            clientId: input.clientId,
            clientHost: input.clientHost,
            sessionTimeoutMs: input.sessionTimeoutMs,
            rebalanceTimeoutMs: input.rebalanceTimeoutMs,
            protocolType: input.protocolType,
            protocols: input.protocols,
            pendingJoin: input.requestId,
            sessionDeadline: now + Int64(input.sessionTimeoutMs)
        )
        memberOrder.append(memberId)
        if let instanceId = input.groupInstanceId {
            staticMembers[instanceId] = memberId
        }
        if leaderId == nil {
            leaderId = memberId
        }
        if case .initialDelay(let deadline, let remaining, _) = rebalanceTimer, state == .preparingRebalance {
            rebalanceTimer = .initialDelay(deadline: deadline, remainingMs: remaining, newMemberAdded: true)
        }
        return maybePrepareRebalance(now: now) + tryCompleteJoin(now: now)
    }

    private mutating func updateMemberAndRebalance(_ memberId: String, input: JoinInput, now: Int64) -> [GroupAction] {
        guard var member = members[memberId] else { return [] }
        var actions: [GroupAction] = []
        if let superseded = member.pendingJoin {
            // Only one join per member can be answered; the older one's connection is
            // presumably gone, but its caller must still be released.
            actions.append(.joinResponse(superseded, Self.joinError(.rebalanceInProgress, memberId: memberId)))
        }
        member.protocols = input.protocols
        member.sessionTimeoutMs = input.sessionTimeoutMs
        member.rebalanceTimeoutMs = input.rebalanceTimeoutMs
        member.clientId = input.clientId
        member.clientHost = input.clientHost
        member.pendingJoin = input.requestId
        members[memberId] = member
        actions += maybePrepareRebalance(now: now)
        actions += tryCompleteJoin(now: now)
        return actions
    }

    /// A static member restarted (new member id, same instance id): it takes over the old
    /// member's place and assignment; the old incarnation is fenced.
    private mutating func replaceStaticMember(_ oldMemberId: String, input: JoinInput, now: Int64) -> [GroupAction] {
        guard var member = members.removeValue(forKey: oldMemberId) else { return [] }
        let newMemberId = input.newMemberId
        var actions: [GroupAction] = []
        if let oldJoin = member.pendingJoin {
            actions.append(.joinResponse(oldJoin, Self.joinError(.fencedInstanceId, memberId: oldMemberId)))
        }
        if let oldSync = member.pendingSync {
            actions.append(.syncResponse(oldSync, syncResult(.fencedInstanceId)))
        }
        let protocolsUnchanged = member.matches(input.protocols)
        member.memberId = newMemberId
        member.pendingJoin = nil
        member.pendingSync = nil
        member.clientId = input.clientId
        member.clientHost = input.clientHost
        member.sessionTimeoutMs = input.sessionTimeoutMs
        member.rebalanceTimeoutMs = input.rebalanceTimeoutMs
        member.sessionDeadline = now + Int64(input.sessionTimeoutMs)
        members[newMemberId] = member
        if let index = memberOrder.firstIndex(of: oldMemberId) {
            memberOrder[index] = newMemberId
        }
        if let instanceId = input.groupInstanceId {
            staticMembers[instanceId] = newMemberId
        }
        if leaderId == oldMemberId {
            leaderId = newMemberId
        }
        if pendingSyncMembers.remove(oldMemberId) != nil {
            pendingSyncMembers.insert(newMemberId)
        }

        switch state {
        case .stable where protocolsUnchanged:
            // Nothing the assignment depends on changed: no rebalance.
            actions.append(.joinResponse(input.requestId, joinResult(for: newMemberId)))
            return actions
        case .completingRebalance, .stable, .preparingRebalance:
            // In CompletingRebalance the leader may be assigning to the old member id, so
            // the group must rebalance to hand the new id an assignment.
            if state == .completingRebalance {
                actions += prepareRebalance(now: now)
            }
            return actions + updateMemberAndRebalance(newMemberId, input: input, now: now)
        case .empty, .dead:
            return actions + updateMemberAndRebalance(newMemberId, input: input, now: now)
        }
    }
}
