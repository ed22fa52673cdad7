import KafkaWire

extension GroupStateMachine {
    mutating func maybePrepareRebalance(now: Int64) -> [GroupAction] {
        switch state {
        case .empty, .stable, .completingRebalance:
            return prepareRebalance(now: now)
        case .preparingRebalance, .dead:
            return []
        }
    }

    /// Starts collecting joins for the next generation. Members waiting for their sync
    /// are told REBALANCE_IN_PROGRESS: the assignment they wait for will never come.
    mutating func prepareRebalance(now: Int64) -> [GroupAction] {
        var actions: [GroupAction] = []
        if state == .completingRebalance {
            for id in memberOrder {
                guard var member = members[id] else { continue }
                member.assignment = []
                if let sync = member.pendingSync {
                    actions.append(.syncResponse(sync, syncResult(.rebalanceInProgress)))
                    member.pendingSync = nil
                }
                members[id] = member
            }
        }
        pendingSyncMembers = []
        syncDeadline = nil
        if state == .empty {
            rebalanceTimer = .initialDelay(
                deadline: now + initialRebalanceDelayMs,
                remainingMs: max(rebalanceTimeoutMs - initialRebalanceDelayMs, 0),
                newMemberAdded: false
            )
        } else {
            rebalanceTimer = .join(deadline: now + rebalanceTimeoutMs)
        }
        transition(to: .preparingRebalance, now: now)
        return actions
    }

    var allMembersJoined: Bool {
        pendingMembers.isEmpty && members.values.allSatisfy { $0.pendingJoin != nil }
    }

    /// Completes the rebalance if its condition holds at `now`.
    mutating func tryCompleteJoin(now: Int64) -> [GroupAction] {
        guard state == .preparingRebalance, let timer = rebalanceTimer else { return [] }
        switch timer {
        case .initialDelay(let deadline, let remaining, let newMemberAdded):
            guard deadline <= now else { return [] }
            if newMemberAdded && remaining > 0 {
                // Someone arrived during the delay: more may follow, wait another round.
                let delay = min(initialRebalanceDelayMs, remaining)
                rebalanceTimer = .initialDelay(
                    deadline: deadline + delay,
                    remainingMs: max(remaining - initialRebalanceDelayMs, 0),
                    newMemberAdded: false
                )
                return tryCompleteJoin(now: now)
            }
            return completeJoin(now: now)
        case .join(let deadline):
            guard allMembersJoined || deadline <= now else { return [] }
            return completeJoin(now: now)
        }
    }

    /// Starts the next generation with the members that rejoined, answering every held
    /// join; the leader's answer carries all members' metadata.
    private mutating func completeJoin(now: Int64) -> [GroupAction] {
        var actions: [GroupAction] = []
        for id in memberOrder where members[id]?.pendingJoin == nil {
            actions += removeMember(id)
        }
        rebalanceTimer = nil
        generationId += 1
        if members.isEmpty {
            protocolName = nil
            transition(to: .empty, now: now)
            actions.append(.persistGroup)
            return actions
        }
        protocolName = selectProtocol()
        if leaderId == nil || members[leaderId ?? ""] == nil {
            leaderId = memberOrder.first
        }
        transition(to: .completingRebalance, now: now)
        for id in memberOrder {
            guard var member = members[id], let join = member.pendingJoin else { continue }
            actions.append(.joinResponse(join, joinResult(for: id)))
            member.pendingJoin = nil
            member.sessionDeadline = now + Int64(member.sessionTimeoutMs)
            members[id] = member
        }
        // Members that never sync are dropped after the rebalance timeout, else a crashed
        // follower would leave the group without assignments until its session expires.
        pendingSyncMembers = Set(memberOrder)
        syncDeadline = now + rebalanceTimeoutMs
        actions.append(.persistGroup)
        return actions
    }

    /// Drops a member, releasing its held requests with UNKNOWN_MEMBER_ID.
    mutating func removeMember(_ memberId: String) -> [GroupAction] {
        guard let member = members.removeValue(forKey: memberId) else { return [] }
        var actions: [GroupAction] = []
        if let join = member.pendingJoin {
            actions.append(.joinResponse(join, Self.joinError(.unknownMemberId, memberId: memberId)))
        }
        if let sync = member.pendingSync {
            actions.append(.syncResponse(sync, syncResult(.unknownMemberId)))
        }
        memberOrder.removeAll { $0 == memberId }
        if let instanceId = member.groupInstanceId, staticMembers[instanceId] == memberId {
            staticMembers[instanceId] = nil
        }
        pendingSyncMembers.remove(memberId)
        if leaderId == memberId {
            leaderId = memberOrder.first
        }
        return actions
    }

    /// Drops a member and lets the others rebalance without it.
    mutating func removeMemberAndUpdateGroup(_ memberId: String, now: Int64) -> [GroupAction] {
        var actions = removeMember(memberId)
        switch state {
        case .stable, .completingRebalance:
            actions += prepareRebalance(now: now)
            actions += tryCompleteJoin(now: now)
        case .preparingRebalance:
            actions += tryCompleteJoin(now: now)
        case .empty, .dead:
            break
        }
        return actions
    }

    /// Applies every deadline that passed by `now`: pending member ids, sessions, the
    /// sync timeout and the rebalance timers.
    mutating func expireTimers(now: Int64) -> [GroupAction] {
        var actions: [GroupAction] = []
        let expiredPending = pendingMembers.filter { $0.value <= now }.map(\.key)
        for id in expiredPending {
            pendingMembers[id] = nil
        }
        for id in memberOrder {
            if let member = members[id], !member.isAlive(at: now) {
                actions += removeMemberAndUpdateGroup(id, now: now)
            }
        }
        if let deadline = syncDeadline, deadline <= now {
            syncDeadline = nil
            if (state == .completingRebalance || state == .stable) && !pendingSyncMembers.isEmpty {
                for id in memberOrder where pendingSyncMembers.contains(id) {
                    actions += removeMember(id)
                }
                actions += prepareRebalance(now: now)
            }
        }
        actions += tryCompleteJoin(now: now)
        return actions
    }

    /// The earliest time at which `expireTimers` would change something.
    var nextDeadline: Int64? {
        var deadlines: [Int64] = Array(pendingMembers.values)
        deadlines += members.values.filter { $0.pendingJoin == nil && $0.pendingSync == nil }.map(\.sessionDeadline)
        if let syncDeadline { deadlines.append(syncDeadline) }
        switch rebalanceTimer {
        case .initialDelay(let deadline, _, _), .join(let deadline):
            deadlines.append(deadline)
        case nil:
            break
        }
        return deadlines.min()
    }
}
