import KafkaWire

/// SyncGroup: served by the group coordinator.
struct SyncGroupHandler: ApiHandler {
    let state: BrokerState

    func handle(_ request: SyncGroupRequest, context: RequestContext) async -> SyncGroupResponse? {
        await state.groups.syncGroup(request, version: context.apiVersion)
    }
}
