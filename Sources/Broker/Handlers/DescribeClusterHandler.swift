import KafkaWire

/// DescribeCluster: this one broker, also its own controller.
struct DescribeClusterHandler: ApiHandler {
    let state: BrokerState

    func handle(_ request: DescribeClusterRequest, context: RequestContext) async -> DescribeClusterResponse? {
        guard context.isAllowed(cluster: .describe) else {
            return DescribeClusterResponse(errorCode: KafkaErrorCode.clusterAuthorizationFailed.rawValue, clusterId: "")
        }
        let listener = state.config.advertised(for: context.listener)
        return DescribeClusterResponse(
            endpointType: 1,
            clusterId: state.identity.clusterId,
            controllerId: state.nodeId,
            brokers: [.init(brokerId: state.nodeId, host: listener.host, port: Int32(listener.port))],
            clusterAuthorizedOperations: context.clusterAuthorizedOperations(requested: request.includeClusterAuthorizedOperations)
        )
    }
}
