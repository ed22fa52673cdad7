import KafkaWire

/// ListGroups: served by the group coordinator.
struct ListGroupsHandler: ApiHandler {
    let state: BrokerState

    func handle(_ request: ListGroupsRequest, context: RequestContext) async -> ListGroupsResponse? {
        await state.groups.listGroups(request, version: context.apiVersion)
    }
}
