import KafkaWire

/// LeaveGroup: served by the group coordinator.
struct LeaveGroupHandler: ApiHandler {
    let state: BrokerState

    func handle(_ request: LeaveGroupRequest, context: RequestContext) async -> LeaveGroupResponse? {
        guard context.isAllowed(.read, .group, request.groupId) else {
            return LeaveGroupResponse(errorCode: KafkaErrorCode.groupAuthorizationFailed.rawValue)
        }
        return await state.groups.leaveGroup(request, version: context.apiVersion)
    }
}
