import KafkaWire

/// DeleteGroups: served by the group coordinator.
struct DeleteGroupsHandler: ApiHandler {
    let state: BrokerState

    func handle(_ request: DeleteGroupsRequest, context: RequestContext) async -> DeleteGroupsResponse? {
        let allowed = context.allowedNames(request.groupsNames, .delete, .group)
        var permitted = request
        permitted.groupsNames.removeAll { !allowed.contains($0) }
        let response = await state.groups.deleteGroups(permitted, version: context.apiVersion)
        let results = Dictionary(response.results.map { ($0.groupId, $0) }, uniquingKeysWith: { a, _ in a })
        var out = response
        out.results = request.groupsNames.map { name in
            results[name] ?? .init(groupId: name, errorCode: KafkaErrorCode.groupAuthorizationFailed.rawValue)
        }
        return out
    }
}
