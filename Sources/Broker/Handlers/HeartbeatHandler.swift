import KafkaWire

/// Heartbeat: served by the group coordinator.
struct HeartbeatHandler: ApiHandler {
    let state: BrokerState

    func handle(_ request: HeartbeatRequest, context: RequestContext) async -> HeartbeatResponse? {
        await state.groups.heartbeat(request, version: context.apiVersion)
    }
}
