import KafkaWire

/// JoinGroup: served by the group coordinator.
struct JoinGroupHandler: ApiHandler {
    let state: BrokerState

    func handle(_ request: JoinGroupRequest, context: RequestContext) async -> JoinGroupResponse? {
        guard context.isAllowed(.read, .group, request.groupId) else {
            return JoinGroupResponse(errorCode: KafkaErrorCode.groupAuthorizationFailed.rawValue, memberId: request.memberId)
        }
        return await state.groups.joinGroup(request, version: context.apiVersion, clientId: context.clientId ?? "", clientHost: context.clientAddress)
    }
}
