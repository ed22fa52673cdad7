import KafkaWire

/// DescribeGroups: served by the group coordinator.
struct DescribeGroupsHandler: ApiHandler {
    let state: BrokerState

    func handle(_ request: DescribeGroupsRequest, context: RequestContext) async -> DescribeGroupsResponse? {
        let allowed = context.allowedNames(request.groups, .describe, .group)
        var permitted = request
        permitted.groups.removeAll { !allowed.contains($0) }
        let response = await state.groups.describeGroups(permitted, version: context.apiVersion)
        let described = Dictionary(response.groups.map { ($0.groupId, $0) }, uniquingKeysWith: { a, _ in a })
        let operations = context.authorizedOperations(.group, Array(allowed), requested: request.includeAuthorizedOperations)
        var out = response
        out.groups = request.groups.map { name in
            guard var group = described[name] else {
                return .init(errorCode: KafkaErrorCode.groupAuthorizationFailed.rawValue, groupId: name)
            }
            group.authorizedOperations = operations[name] ?? AuthorizedOperations.omitted
            return group
        }
        return out
    }
}
