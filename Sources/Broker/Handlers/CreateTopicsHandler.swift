import KafkaWire
import LogStorage

/// CreateTopics: one partition leader (this node) per partition, replication factor 1.
struct CreateTopicsHandler: ApiHandler {
    let state: BrokerState

    typealias Result = CreateTopicsResponse.CreatableTopicResult

    func handle(_ request: CreateTopicsRequest, context: RequestContext) async -> CreateTopicsResponse? {
        var response = CreateTopicsResponse()
        var seen: [String: Int] = [:]
        for topic in request.topics { seen[topic.name, default: 0] += 1 }
        // CREATE on the cluster covers every topic; otherwise CREATE on each topic.
        let creatable = context.isAllowed(cluster: .create)
            ? Set(request.topics.map(\.name)) : context.allowedNames(request.topics.map(\.name), .create, .topic)
        for topic in request.topics {
            if seen[topic.name, default: 0] > 1 {
                response.topics.append(failure(topic.name, .invalidRequest, "topic named more than once in the request"))
                continue
            }
            guard creatable.contains(topic.name) else {
                response.topics.append(failure(topic.name, .topicAuthorizationFailed, nil))
                continue
            }
            let result = create(topic, validateOnly: request.validateOnly)
            if result.errorCode == 0, !request.validateOnly {
                context.auditAdmin("create-topic", resourceType: "topic", resourceName: topic.name,
                                   after: TopicConfigChange.describe(state.logs.topics()[topic.name]?.overrides
                                       .merging(["partitions": "\(result.numPartitions)"]) { a, _ in a } ?? [:]))
            }
            response.topics.append(result)
        }
        return response
    }

    private func create(_ topic: CreateTopicsRequest.CreatableTopic, validateOnly: Bool) -> Result {
        if let error = TopicNames.validate(topic.name) {
            return failure(topic.name, error, "invalid topic name '\(topic.name)'")
        }
        if topic.name == AuditTopic.name {
            return state.auditTopic != nil
                ? failure(topic.name, .topicAlreadyExists, "topic '\(topic.name)' already exists (the audit log)")
                : failure(topic.name, .invalidTopicException, "'\(topic.name)' is reserved for the audit log")
        }
        if state.logs.topics()[topic.name] != nil {
            return failure(topic.name, .topicAlreadyExists, "topic '\(topic.name)' already exists")
        }
        var partitions = topic.numPartitions == -1 ? state.config.numPartitions : topic.numPartitions
        if !topic.assignments.isEmpty {
            guard topic.numPartitions == -1, topic.replicationFactor == -1 else {
                return failure(topic.name, .invalidRequest, "give either assignments or partitions and replication factor")
            }
            guard topic.assignments.allSatisfy({ $0.brokerIds == [state.nodeId] }),
                  topic.assignments.map(\.partitionIndex).sorted() == Array(0..<Int32(topic.assignments.count))
            else {
                return failure(topic.name, .invalidReplicaAssignment, "every partition must be on node \(state.nodeId) alone")
            }
            partitions = Int32(topic.assignments.count)
        }
        guard partitions > 0 else {
            return failure(topic.name, .invalidPartitions, "number of partitions must be positive")
        }
        guard topic.replicationFactor == -1 || topic.replicationFactor == 1 else {
            return failure(topic.name, .invalidReplicationFactor, "replication factor must be 1 on a single node")
        }
        var overrides: [String: String] = [:]
        for config in topic.configs {
            guard let value = config.value else {
                return failure(topic.name, .invalidConfig, "null value for \(config.name)")
            }
            overrides[config.name] = value
        }
        let effective: LogConfig
        do {
            effective = try state.config.logDefaults.applying(overrides)
        } catch {
            return failure(topic.name, .invalidConfig, error.description)
        }
        if !validateOnly {
            do {
                try state.logs.createTopic(topic.name, partitions: partitions, overrides: overrides)
                state.logger.info("created topic", metadata: ["topic": "\(topic.name)", "partitions": "\(partitions)"])
            } catch {
                return failure(topic.name, error.errorCode, error.message)
            }
        }
        return Result(
            name: topic.name, numPartitions: partitions, replicationFactor: 1,
            configs: effective.describe().map { entry in
                .init(name: entry.name, value: entry.value, readOnly: false,
                      configSource: overrides[entry.name] == nil ? ConfigSource.defaultConfig : ConfigSource.dynamicTopic,
                      isSensitive: false)
            }
        )
    }

    private func failure(_ name: String, _ code: KafkaErrorCode, _ message: String?) -> Result {
        Result(name: name, errorCode: code.rawValue, errorMessage: message, numPartitions: -1, replicationFactor: -1, configs: nil)
    }
}

/// Kafka's DescribeConfigs config sources.
enum ConfigSource {
    static let dynamicTopic: Int8 = 1
    static let staticBroker: Int8 = 4
    static let defaultConfig: Int8 = 5
}
