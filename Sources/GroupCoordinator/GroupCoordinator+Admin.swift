import KafkaWire

extension GroupCoordinator {
    /// DescribeGroups (v0–5). Unknown groups are described as "Dead" with no error, as Kafka.
    public func describeGroups(_ request: DescribeGroupsRequest, version: Int16) async -> DescribeGroupsResponse {
        DescribeGroupsResponse(groups: request.groups.map { groupId in
            if isShutDown {
                return .init(errorCode: KafkaErrorCode.coordinatorNotAvailable.rawValue, groupId: groupId)
            }
            guard let group = groups[groupId] else {
                return .init(groupId: groupId, groupState: GroupState.dead.rawValue)
            }
            return group.described()
        })
    }

    /// ListGroups (v0–4; v4 filters by state name, case-insensitively).
    public func listGroups(_ request: ListGroupsRequest, version: Int16) async -> ListGroupsResponse {
        if isShutDown { return ListGroupsResponse(errorCode: KafkaErrorCode.coordinatorNotAvailable.rawValue) }
        let filter = version >= 4 ? Set(request.statesFilter.map { $0.lowercased() }) : []
        let listed = groups.values
            .filter { $0.state != .dead && (filter.isEmpty || filter.contains($0.state.rawValue.lowercased())) }
            .sorted { $0.groupId < $1.groupId }
            .map {
                ListGroupsResponse.ListedGroup(
                    groupId: $0.groupId, protocolType: $0.protocolType ?? "", groupState: $0.state.rawValue)
            }
        return ListGroupsResponse(groups: listed)
    }

    /// DeleteGroups (v0–2): only groups without members; their offsets go with them.
    public func deleteGroups(_ request: DeleteGroupsRequest, version: Int16) async -> DeleteGroupsResponse {
        DeleteGroupsResponse(results: request.groupsNames.map { groupId in
            .init(groupId: groupId, errorCode: deleteGroup(groupId).rawValue)
        })
    }

    private func deleteGroup(_ groupId: String) -> KafkaErrorCode {
        if isShutDown { return .coordinatorNotAvailable }
        guard let group = groups[groupId], group.state != .dead else { return .groupIdNotFound }
        guard group.state == .empty else { return .nonEmptyGroup }
        do {
            try store.append([OffsetLogRecord(kind: .deleteGroup, group: groupId)])
        } catch {
            logger.error("group deletion not persisted", metadata: ["group": "\(groupId)", "error": "\(error)"])
            return .coordinatorNotAvailable
        }
        groups[groupId] = nil
        return .none
    }
}

extension GroupStateMachine {
    /// Kafka's group summary: member metadata and assignments only once Stable.
    func described() -> DescribeGroupsResponse.DescribedGroup {
        let stable = state == .stable
        return DescribeGroupsResponse.DescribedGroup(
            groupId: groupId,
            groupState: state.rawValue,
            protocolType: protocolType ?? "",
            protocolData: stable ? (protocolName ?? "") : "",
            members: memberOrder.compactMap { members[$0] }.map { member in
                DescribeGroupsResponse.DescribedGroupMember(
                    memberId: member.memberId,
                    groupInstanceId: member.groupInstanceId,
                    clientId: member.clientId,
                    clientHost: member.clientHost,
                    memberMetadata: stable ? member.metadata(for: protocolName) : [],
                    memberAssignment: stable ? member.assignment : []
                )
            }
        )
    }
}
