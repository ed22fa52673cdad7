import KafkaWire

/// LeaveGroup: served by the group coordinator.
struct LeaveGroupHandler: ApiHandler {
    let state: BrokerState

    func handle(_ request: LeaveGroupRequest, context: RequestContext) async -> LeaveGroupResponse? {
        await state.groups.leaveGroup(request, version: context.apiVersion)
    }
}
