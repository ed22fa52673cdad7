import KafkaWire

/// FindCoordinator: this broker coordinates every group. Transaction coordinators
/// (key type 1) are not available: transactions are not offered.
struct FindCoordinatorHandler: ApiHandler {
    let state: BrokerState

    func handle(_ request: FindCoordinatorRequest, context: RequestContext) async -> FindCoordinatorResponse? {
        let listener = state.config.advertised(for: context.listener)
        let isGroup = request.keyType == 0
        let keys = context.apiVersion >= 4 ? request.coordinatorKeys : [request.key]
        // DESCRIBE on the group (or the transactional id) is checked before anything else.
        let describable = context.allowedNames(keys, .describe, isGroup ? .group : .transactionalId)
        let answers = keys.map { key -> (error: KafkaErrorCode, message: String?) in
            if !describable.contains(key) { return (isGroup ? .groupAuthorizationFailed : .transactionalIdAuthorizationFailed, nil) }
            return isGroup ? (.none, nil) : (.coordinatorNotAvailable, "transactions are not supported by this broker")
        }
        func node(_ error: KafkaErrorCode) -> (Int32, String, Int32) {
            error == .none ? (state.nodeId, listener.host, Int32(listener.port)) : (-1, "", -1)
        }
        if context.apiVersion >= 4 {
            return FindCoordinatorResponse(coordinators: zip(keys, answers).map { key, answer in
                let (nodeId, host, port) = node(answer.error)
                return .init(key: key, nodeId: nodeId, host: host, port: port, errorCode: answer.error.rawValue,
                             errorMessage: answer.message)
            })
        }
        let (nodeId, host, port) = node(answers[0].error)
        return FindCoordinatorResponse(errorCode: answers[0].error.rawValue, errorMessage: answers[0].message,
                                       nodeId: nodeId, host: host, port: port)
    }
}
