import Foundation
import KafkaWire

extension GroupCoordinator {
    /// JoinGroup (v0–7). A long poll: returns when the group's rebalance completes, or at
    /// once with an error, MEMBER_ID_REQUIRED (v4+), or the current generation.
    public func joinGroup(_ request: JoinGroupRequest, version: Int16, clientId: String, clientHost: String) async -> JoinGroupResponse {
        func fail(_ code: KafkaErrorCode) -> JoinGroupResponse {
            GroupStateMachine.joinError(code, memberId: request.memberId).shaped(for: version)
        }
        if isShutDown { return fail(.coordinatorNotAvailable) }
        let groupId = request.groupId
        guard !groupId.isEmpty else { return fail(.invalidGroupId) }
        guard (config.minSessionTimeoutMs...config.maxSessionTimeoutMs).contains(request.sessionTimeoutMs) else {
            return fail(.invalidSessionTimeout)
        }
        let time = now()
        if groups[groupId] == nil {
            // Only a member without an id can create a group; one with an id belongs to a
            // group that no longer exists.
            guard request.memberId.isEmpty else { return fail(.unknownMemberId) }
            groups[groupId] = GroupStateMachine(groupId: groupId, config: config, now: time)
        }
        let requestId = makeRequestId()
        let input = JoinInput(
            requestId: requestId,
            memberId: request.memberId,
            groupInstanceId: version >= 5 ? request.groupInstanceId : nil,
            clientId: clientId,
            clientHost: clientHost,
            sessionTimeoutMs: request.sessionTimeoutMs,
            // v0 has no rebalance timeout; Kafka uses the session timeout for it.
            rebalanceTimeoutMs: version >= 1 && request.rebalanceTimeoutMs > 0 ? request.rebalanceTimeoutMs : request.sessionTimeoutMs,
            protocolType: request.protocolType,
            protocols: request.protocols.map { MemberProtocol(name: $0.name, metadata: $0.metadata) },
            requireKnownMemberId: version >= 4,
            newMemberId: "\(request.groupInstanceId ?? clientId)-\(UUID().uuidString.lowercased())"
        )
        return await withCheckedContinuation { continuation in
            pendingJoins[requestId] = PendingResponse(continuation: continuation, version: version)
            let actions = groups[groupId]?.join(input, now: time) ?? []
            run(actions, group: groupId)
            releaseIfUntracked(join: requestId, group: groupId)
        }
    }

    /// SyncGroup (v0–5). Followers wait for the leader's assignments.
    public func syncGroup(_ request: SyncGroupRequest, version: Int16) async -> SyncGroupResponse {
        func fail(_ code: KafkaErrorCode) -> SyncGroupResponse {
            SyncGroupResponse(errorCode: code.rawValue).shaped(for: version)
        }
        if isShutDown { return fail(.coordinatorNotAvailable) }
        let groupId = request.groupId
        guard !groupId.isEmpty else { return fail(.invalidGroupId) }
        guard groups[groupId] != nil else { return fail(.unknownMemberId) }
        let requestId = makeRequestId()
        var assignments: [String: [UInt8]] = [:]
        for assignment in request.assignments {
            assignments[assignment.memberId] = assignment.assignment
        }
        let input = SyncInput(
            requestId: requestId,
            memberId: request.memberId,
            groupInstanceId: version >= 3 ? request.groupInstanceId : nil,
            generationId: request.generationId,
            protocolType: version >= 5 ? request.protocolType : nil,
            protocolName: version >= 5 ? request.protocolName : nil,
            assignments: assignments
        )
        let time = now()
        return await withCheckedContinuation { continuation in
            pendingSyncs[requestId] = PendingResponse(continuation: continuation, version: version)
            let actions = groups[groupId]?.sync(input, now: time) ?? []
            run(actions, group: groupId)
            releaseIfUntracked(sync: requestId, group: groupId)
        }
    }

    /// Heartbeat (v0–4).
    public func heartbeat(_ request: HeartbeatRequest, version: Int16) async -> HeartbeatResponse {
        func reply(_ code: KafkaErrorCode) -> HeartbeatResponse { HeartbeatResponse(errorCode: code.rawValue) }
        if isShutDown { return reply(.coordinatorNotAvailable) }
        guard !request.groupId.isEmpty else { return reply(.invalidGroupId) }
        guard groups[request.groupId] != nil else { return reply(.unknownMemberId) }
        let code = groups[request.groupId]?.heartbeat(
            memberId: request.memberId,
            groupInstanceId: version >= 3 ? request.groupInstanceId : nil,
            generationId: request.generationId,
            now: now()
        ) ?? .unknownMemberId
        return reply(code)
    }

    /// LeaveGroup (v0–4; v3+ leaves a batch of members, each with its own error).
    public func leaveGroup(_ request: LeaveGroupRequest, version: Int16) async -> LeaveGroupResponse {
        let leaving: [LeaveGroupRequest.MemberIdentity] = version >= 3
            ? request.members
            : [LeaveGroupRequest.MemberIdentity(memberId: request.memberId, groupInstanceId: nil)]
        func respond(top: KafkaErrorCode, perMember: [KafkaErrorCode]) -> LeaveGroupResponse {
            guard version >= 3 else {
                // Before v3 the one member's outcome is the response's error.
                let single = top != .none ? top : (perMember.first ?? .none)
                return LeaveGroupResponse(errorCode: single.rawValue)
            }
            let members = top != .none ? [] : zip(leaving, perMember).map { identity, code in
                LeaveGroupResponse.MemberResponse(
                    memberId: identity.memberId, groupInstanceId: identity.groupInstanceId, errorCode: code.rawValue)
            }
            return LeaveGroupResponse(errorCode: top.rawValue, members: members)
        }
        if isShutDown { return respond(top: .coordinatorNotAvailable, perMember: []) }
        let groupId = request.groupId
        guard !groupId.isEmpty else { return respond(top: .invalidGroupId, perMember: []) }
        guard groups[groupId] != nil else {
            return respond(top: .none, perMember: leaving.map { _ in .unknownMemberId })
        }
        let time = now()
        var codes: [KafkaErrorCode] = []
        for identity in leaving {
            guard let (code, actions) = groups[groupId]?.leave(
                memberId: identity.memberId, groupInstanceId: identity.groupInstanceId, now: time)
            else { continue }
            if code == .coordinatorNotAvailable {
                return respond(top: code, perMember: [])
            }
            codes.append(code)
            run(actions, group: groupId)
        }
        return respond(top: .none, perMember: codes)
    }

    /// A request the machine neither answered nor holds would suspend its caller
    /// forever; answer it rather than trust every path of the machine.
    private func releaseIfUntracked(join requestId: PendingRequestID, group groupId: String) {
        guard let pending = pendingJoins[requestId],
              groups[groupId]?.members.values.contains(where: { $0.pendingJoin == requestId }) != true
        else { return }
        pendingJoins[requestId] = nil
        logger.error("join request neither answered nor held", metadata: ["group": "\(groupId)"])
        pending.continuation.resume(returning: GroupStateMachine.joinError(.unknownServerError).shaped(for: pending.version))
    }

    private func releaseIfUntracked(sync requestId: PendingRequestID, group groupId: String) {
        guard let pending = pendingSyncs[requestId],
              groups[groupId]?.members.values.contains(where: { $0.pendingSync == requestId }) != true
        else { return }
        pendingSyncs[requestId] = nil
        logger.error("sync request neither answered nor held", metadata: ["group": "\(groupId)"])
        let response = SyncGroupResponse(errorCode: KafkaErrorCode.unknownServerError.rawValue)
        pending.continuation.resume(returning: response.shaped(for: pending.version))
    }
}
