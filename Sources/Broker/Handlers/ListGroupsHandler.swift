import KafkaWire

/// ListGroups: served by the group coordinator.
struct ListGroupsHandler: ApiHandler {
    let state: BrokerState

    func handle(_ request: ListGroupsRequest, context: RequestContext) async -> ListGroupsResponse? {
        var response = await state.groups.listGroups(request, version: context.apiVersion)
        // DESCRIBE on the cluster lists every group; otherwise only the describable ones, no error.
        if !context.isAllowed(cluster: .describe) {
            let allowed = context.allowedNames(response.groups.map(\.groupId), .describe, .group)
            response.groups.removeAll { !allowed.contains($0.groupId) }
        }
        return response
    }
}
