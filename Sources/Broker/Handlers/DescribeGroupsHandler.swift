import KafkaWire

/// DescribeGroups: served by the group coordinator.
struct DescribeGroupsHandler: ApiHandler {
    let state: BrokerState

    func handle(_ request: DescribeGroupsRequest, context: RequestContext) async -> DescribeGroupsResponse? {
        await state.groups.describeGroups(request, version: context.apiVersion)
    }
}
