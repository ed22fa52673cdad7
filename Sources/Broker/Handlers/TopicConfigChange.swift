import KafkaWire

/// Validates and stores a topic's new override set; shared by both alter APIs.
enum TopicConfigChange {
    static func apply(_ overrides: [String: String], to type: Int8, name: String, validateOnly: Bool,
                      state: BrokerState, context: RequestContext) -> (code: KafkaErrorCode, message: String?) {
        switch type {
        case ConfigResources.topic:
            if name == AuditTopic.name { return (.invalidTopicException, AuditTopic.refusal("changing its configuration")) }
            guard let before = state.logs.topics()[name]?.overrides else {
                return (.unknownTopicOrPartition, "unknown topic '\(name)'")
            }
            do {
                _ = try state.config.logDefaults.applying(overrides)
            } catch {
                return (.invalidConfig, error.description)
            }
            if validateOnly { return (.none, nil) }
            do {
                try state.logs.alterTopicConfig(name, overrides: overrides)
                state.logger.info("altered topic config", metadata: ["topic": "\(name)"])
                context.auditAdmin("alter-configs", resourceType: "topic", resourceName: name,
                                   before: describe(before), after: describe(overrides))
                return (.none, nil)
            } catch {
                return (error.errorCode, error.message)
            }
        case ConfigResources.broker:
            return (.invalidRequest, "broker configuration is static: edit server.properties and restart")
        default:
            return (.invalidRequest, "unsupported resource type \(type)")
        }
    }

    /// `key=value` lines in key order: the before/after of an audited config change.
    static func describe(_ overrides: [String: String]) -> String {
        overrides.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\n")
    }
}
