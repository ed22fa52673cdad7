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
        var out = response
        out.groups = request.groups.map { name in
            described[name] ?? .init(errorCode: KafkaErrorCode.groupAuthorizationFailed.rawValue, groupId: name)
        }
        return out
    }
}
