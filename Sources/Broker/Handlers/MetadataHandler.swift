import KafkaWire
import LogStorage

/// Metadata: this one broker, and the topics asked for (all of them for a null list).
struct MetadataHandler: ApiHandler {
    let state: BrokerState

    func handle(_ request: MetadataRequest, context: RequestContext) async -> MetadataResponse? {
        let advertised = state.config.advertised(for: context.listener)
        var response = MetadataResponse(
            brokers: [.init(nodeId: state.nodeId, host: advertised.host, port: Int32(advertised.port))],
            clusterId: state.identity.clusterId,
            controllerId: state.nodeId,
            // Only v8–v10 carry the cluster's field; the request flag is false elsewhere.
            clusterAuthorizedOperations: context.clusterAuthorizedOperations(requested: request.includeClusterAuthorizedOperations)
        )
        var topics = state.logs.topics()
        var names: [String]
        if let requested = request.topics {
            names = requested.compactMap(\.name)
        } else {
            names = topics.keys.sorted()
            if state.auditTopic != nil { names.append(AuditTopic.name) }
        }
        // DESCRIBE on each topic: an all-topics request silently leaves out the others; a
        // named one answers TOPIC_AUTHORIZATION_FAILED whether or not the topic exists.
        let describable = context.allowedNames(names, .describe, .topic)
        if request.topics == nil { names.removeAll { !describable.contains($0) } }
        // Before v4 every request may auto-create; from v4 the client says whether it wants to.
        let operations = context.authorizedOperations(.topic, names.filter(describable.contains),
                                                      requested: request.includeTopicAuthorizedOperations)
        let allowCreate = state.config.autoCreateTopics && (context.apiVersion < 4 || request.allowAutoTopicCreation)
        for name in names {
            guard describable.contains(name) else {
                response.topics.append(.init(errorCode: KafkaErrorCode.topicAuthorizationFailed.rawValue, name: name))
                continue
            }
            if name == AuditTopic.name {
                // Served from the audit log; never auto-created in the topic log.
                response.topics.append(state.auditTopic?.metadata(nodeId: state.nodeId)
                                       ?? .init(errorCode: KafkaErrorCode.unknownTopicOrPartition.rawValue, name: name))
                continue
            }
            if topics[name] == nil, allowCreate, request.topics != nil {
                // Auto-creation needs CREATE on the cluster or on the topic.
                guard context.isAllowed(cluster: .create) || context.isAllowed(.create, .topic, name) else {
                    response.topics.append(.init(errorCode: KafkaErrorCode.topicAuthorizationFailed.rawValue, name: name))
                    continue
                }
                if let error = TopicNames.validate(name) {
                    response.topics.append(.init(errorCode: error.rawValue, name: name))
                    continue
                }
                do {
                    try state.logs.createTopic(name, partitions: state.config.numPartitions, overrides: [:])
                    state.logger.info("auto-created topic", metadata: ["topic": "\(name)"])
                } catch {
                    state.logger.warning("auto-create failed", metadata: ["topic": "\(name)", "error": "\(error)"])
                }
                topics = state.logs.topics()
            }
            guard let topic = topics[name] else {
                response.topics.append(.init(errorCode: KafkaErrorCode.unknownTopicOrPartition.rawValue, name: name))
                continue
            }
            response.topics.append(.init(
                name: name,
                partitions: (0..<topic.partitionCount).map { p in
                    .init(partitionIndex: p, leaderId: state.nodeId, leaderEpoch: 0,
                          replicaNodes: [state.nodeId], isrNodes: [state.nodeId])
                },
                topicAuthorizedOperations: operations[name] ?? AuthorizedOperations.omitted
            ))
        }
        return response
    }
}
