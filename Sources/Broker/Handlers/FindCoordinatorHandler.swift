import KafkaWire

/// FindCoordinator: this broker coordinates every group. Transaction coordinators
/// (key type 1) are not available: transactions are not offered.
struct FindCoordinatorHandler: ApiHandler {
    let state: BrokerState

    func handle(_ request: FindCoordinatorRequest, context: RequestContext) async -> FindCoordinatorResponse? {
        let listener = state.config.advertised(for: context.listener)
        let available = request.keyType == 0
        let error = available ? KafkaErrorCode.none : .coordinatorNotAvailable
        let message: String? = available ? nil : "transactions are not supported by this broker"
        if context.apiVersion >= 4 {
            return FindCoordinatorResponse(coordinators: request.coordinatorKeys.map {
                .init(key: $0, nodeId: available ? state.nodeId : -1, host: available ? listener.host : "",
                      port: available ? Int32(listener.port) : -1, errorCode: error.rawValue, errorMessage: message)
            })
        }
        return FindCoordinatorResponse(
            errorCode: error.rawValue, errorMessage: message,
            nodeId: available ? state.nodeId : -1, host: available ? listener.host : "",
            port: available ? Int32(listener.port) : -1
        )
    }
}
