import KafkaWire

extension GroupStateMachine {
    /// SyncGroup. Followers arriving before the leader wait; the leader's assignments
    /// answer everyone waiting.
    mutating func sync(_ input: SyncInput, now: Int64) -> [GroupAction] {
        let memberId = input.memberId
        func reply(_ code: KafkaErrorCode) -> [GroupAction] {
            [.syncResponse(input.requestId, syncResult(code))]
        }
        if state == .dead { return reply(.coordinatorNotAvailable) }
        if isFenced(memberId: memberId, groupInstanceId: input.groupInstanceId) { return reply(.fencedInstanceId) }
        guard var member = members[memberId] else { return reply(.unknownMemberId) }
        guard input.generationId == generationId else { return reply(.illegalGeneration) }
        if let type = input.protocolType, type != protocolType { return reply(.inconsistentGroupProtocol) }
        if let name = input.protocolName, name != protocolName { return reply(.inconsistentGroupProtocol) }

        switch state {
        case .empty, .dead:
            return reply(.unknownMemberId)
        case .preparingRebalance:
            return reply(.rebalanceInProgress)
        case .stable:
            markSynced(memberId)
            members[memberId]?.sessionDeadline = now + Int64(member.sessionTimeoutMs)
            return [.syncResponse(input.requestId, syncResult(.none, assignment: member.assignment))]
        case .completingRebalance:
            var actions: [GroupAction] = []
            if let superseded = member.pendingSync {
                actions.append(.syncResponse(superseded, syncResult(.rebalanceInProgress)))
            }
            member.pendingSync = input.requestId
            member.sessionDeadline = now + Int64(member.sessionTimeoutMs)
            members[memberId] = member
            markSynced(memberId)
            guard memberId == leaderId else { return actions }
            for id in memberOrder {
                members[id]?.assignment = input.assignments[id] ?? []
            }
            transition(to: .stable, now: now)
            for id in memberOrder {
                guard let waiting = members[id], let sync = waiting.pendingSync else { continue }
                actions.append(.syncResponse(sync, syncResult(.none, assignment: waiting.assignment)))
                members[id]?.pendingSync = nil
            }
            return actions
        }
    }

    private mutating func markSynced(_ memberId: String) {
        pendingSyncMembers.remove(memberId)
        if pendingSyncMembers.isEmpty {
            syncDeadline = nil
        }
    }

    /// Heartbeat: keeps the session alive and tells members when to rejoin.
    mutating func heartbeat(memberId: String, groupInstanceId: String?, generationId: Int32, now: Int64) -> KafkaErrorCode {
        if state == .dead { return .coordinatorNotAvailable }
        if isFenced(memberId: memberId, groupInstanceId: groupInstanceId) { return .fencedInstanceId }
        guard let member = members[memberId] else { return .unknownMemberId }
        guard generationId == self.generationId else { return .illegalGeneration }
        switch state {
        case .empty, .dead:
            return .unknownMemberId
        case .completingRebalance, .stable:
            members[memberId]?.sessionDeadline = now + Int64(member.sessionTimeoutMs)
            return .none
        case .preparingRebalance:
            members[memberId]?.sessionDeadline = now + Int64(member.sessionTimeoutMs)
            return .rebalanceInProgress
        }
    }

    /// LeaveGroup for one member, by member id or (static members) by instance id alone.
    mutating func leave(memberId: String, groupInstanceId: String?, now: Int64) -> (KafkaErrorCode, [GroupAction]) {
        if state == .dead { return (.coordinatorNotAvailable, []) }
        var target = memberId
        if memberId.isEmpty {
            guard let instanceId = groupInstanceId, let known = staticMembers[instanceId] else {
                return (.unknownMemberId, [])
            }
            target = known
        } else if isFenced(memberId: memberId, groupInstanceId: groupInstanceId) {
            return (.fencedInstanceId, [])
        }
        if pendingMembers.removeValue(forKey: target) != nil {
            return (.none, tryCompleteJoin(now: now))
        }
        guard members[target] != nil else { return (.unknownMemberId, []) }
        return (.none, removeMemberAndUpdateGroup(target, now: now))
    }

    /// Whether an OffsetCommit from this member and generation may commit. Generation -1
    /// with no member id is a standalone commit, allowed only while the group has no members.
    mutating func validateCommit(memberId: String, groupInstanceId: String?, generationId: Int32, now: Int64) -> KafkaErrorCode {
        if state == .dead { return .coordinatorNotAvailable }
        guard generationId >= 0 || !memberId.isEmpty || groupInstanceId != nil else {
            return state == .empty ? .none : .unknownMemberId
        }
        if isFenced(memberId: memberId, groupInstanceId: groupInstanceId) { return .fencedInstanceId }
        guard let member = members[memberId] else { return .unknownMemberId }
        guard generationId == self.generationId else { return .illegalGeneration }
        // The member got its join answer but not its assignment yet: it has nothing
        // legitimate to commit. During PreparingRebalance commits are still allowed
        // because consumers commit what they consumed before rejoining.
        if state == .completingRebalance { return .rebalanceInProgress }
        members[memberId]?.sessionDeadline = now + Int64(member.sessionTimeoutMs)
        return .none
    }
}
