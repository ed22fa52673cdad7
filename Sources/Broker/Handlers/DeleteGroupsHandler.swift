import KafkaWire

/// DeleteGroups: served by the group coordinator.
struct DeleteGroupsHandler: ApiHandler {
    let state: BrokerState

    func handle(_ request: DeleteGroupsRequest, context: RequestContext) async -> DeleteGroupsResponse? {
        await state.groups.deleteGroups(request, version: context.apiVersion)
    }
}
