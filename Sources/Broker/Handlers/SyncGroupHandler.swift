import KafkaWire

/// SyncGroup: served by the group coordinator.
struct SyncGroupHandler: ApiHandler {
    let state: BrokerState

    func handle(_ request: SyncGroupRequest, context: RequestContext) async -> SyncGroupResponse? {
        guard context.isAllowed(.read, .group, request.groupId) else {
            return SyncGroupResponse(errorCode: KafkaErrorCode.groupAuthorizationFailed.rawValue)
        }
        return await state.groups.syncGroup(request, version: context.apiVersion)
    }
}
