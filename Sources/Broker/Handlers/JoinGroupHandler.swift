import KafkaWire

/// JoinGroup: served by the group coordinator.
struct JoinGroupHandler: ApiHandler {
    let state: BrokerState

    func handle(_ request: JoinGroupRequest, context: RequestContext) async -> JoinGroupResponse? {
        await state.groups.joinGroup(request, version: context.apiVersion, clientId: context.clientId ?? "", clientHost: context.clientAddress)
    }
}
