import KafkaWire

/// CreatePartitions: grows a topic to a larger partition count.
struct CreatePartitionsHandler: ApiHandler {
    let state: BrokerState

    func handle(_ request: CreatePartitionsRequest, context: RequestContext) async -> CreatePartitionsResponse? {
        var response = CreatePartitionsResponse()
        let alterable = context.allowedNames(request.topics.map(\.name), .alter, .topic)
        for topic in request.topics {
            guard alterable.contains(topic.name) else {
                response.results.append(.init(name: topic.name, errorCode: KafkaErrorCode.topicAuthorizationFailed.rawValue,
                                              errorMessage: nil))
                continue
            }
            guard topic.name != AuditTopic.name else {
                response.results.append(.init(name: topic.name, errorCode: KafkaErrorCode.invalidTopicException.rawValue,
                                              errorMessage: AuditTopic.refusal("CreatePartitions")))
                continue
            }
            guard let current = state.logs.topics()[topic.name]?.partitionCount else {
                response.results.append(.init(name: topic.name, errorCode: KafkaErrorCode.unknownTopicOrPartition.rawValue,
                                              errorMessage: "unknown topic '\(topic.name)'"))
                continue
            }
            guard topic.count > current else {
                response.results.append(.init(name: topic.name, errorCode: KafkaErrorCode.invalidPartitions.rawValue,
                                              errorMessage: "topic has \(current) partitions; the new count must be larger"))
                continue
            }
            if let assignments = topic.assignments, !assignments.allSatisfy({ $0.brokerIds == [state.nodeId] }) {
                response.results.append(.init(name: topic.name, errorCode: KafkaErrorCode.invalidReplicaAssignment.rawValue,
                                              errorMessage: "every partition must be on node \(state.nodeId) alone"))
                continue
            }
            if request.validateOnly {
                response.results.append(.init(name: topic.name))
                continue
            }
            do {
                try state.logs.createPartitions(topic.name, totalCount: topic.count)
                context.auditAdmin("create-partitions", resourceType: "topic", resourceName: topic.name,
                                   before: "partitions=\(current)", after: "partitions=\(topic.count)")
                response.results.append(.init(name: topic.name))
            } catch {
                response.results.append(.init(name: topic.name, errorCode: error.errorCode.rawValue, errorMessage: error.message))
            }
        }
        return response
    }
}
