import KafkaWire

/// Heartbeat: served by the group coordinator.
struct HeartbeatHandler: ApiHandler {
    let state: BrokerState

    func handle(_ request: HeartbeatRequest, context: RequestContext) async -> HeartbeatResponse? {
        guard context.isAllowed(.read, .group, request.groupId) else {
            return HeartbeatResponse(errorCode: KafkaErrorCode.groupAuthorizationFailed.rawValue)
        }
        return await state.groups.heartbeat(request, version: context.apiVersion)
    }
}
