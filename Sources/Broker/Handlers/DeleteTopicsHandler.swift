import KafkaWire

/// DeleteTopics by name; committed offsets of a deleted topic go with it.
struct DeleteTopicsHandler: ApiHandler {
    let state: BrokerState

    func handle(_ request: DeleteTopicsRequest, context: RequestContext) async -> DeleteTopicsResponse? {
        var response = DeleteTopicsResponse()
        for name in request.topicNames {
            do {
                try state.logs.deleteTopic(name)
                await state.groups.topicDeleted(name)
                state.logger.info("deleted topic", metadata: ["topic": "\(name)"])
                response.responses.append(.init(name: name))
            } catch {
                response.responses.append(.init(name: name, errorCode: error.errorCode.rawValue))
            }
        }
        return response
    }
}
