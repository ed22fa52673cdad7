import KafkaWire

/// DeleteTopics by name; committed offsets of a deleted topic go with it.
struct DeleteTopicsHandler: ApiHandler {
    let state: BrokerState

    func handle(_ request: DeleteTopicsRequest, context: RequestContext) async -> DeleteTopicsResponse? {
        var response = DeleteTopicsResponse()
        let deletable = context.allowedNames(request.topicNames, .delete, .topic)
        for name in request.topicNames {
            guard deletable.contains(name) else {
                response.responses.append(.init(name: name, errorCode: KafkaErrorCode.topicAuthorizationFailed.rawValue))
                continue
            }
            guard name != AuditTopic.name else {
                response.responses.append(.init(name: name, errorCode: KafkaErrorCode.invalidTopicException.rawValue))
                continue
            }
            do {
                let before = state.logs.topics()[name].map { TopicConfigChange.describe(["partitions": "\($0.partitionCount)"].merging($0.overrides) { a, _ in a }) } ?? ""
                try state.logs.deleteTopic(name)
                await state.groups.topicDeleted(name)
                state.logger.info("deleted topic", metadata: ["topic": "\(name)"])
                context.auditAdmin("delete-topic", resourceType: "topic", resourceName: name, before: before)
                response.responses.append(.init(name: name))
            } catch {
                response.responses.append(.init(name: name, errorCode: error.errorCode.rawValue))
            }
        }
        return response
    }
}
