import KafkaWire

/// Validates and stores a topic's new override set; shared by both alter APIs.
enum TopicConfigChange {
    static func apply(_ overrides: [String: String], to type: Int8, name: String, validateOnly: Bool,
                      state: BrokerState) -> (code: KafkaErrorCode, message: String?) {
        switch type {
        case ConfigResources.topic:
            guard state.logs.topics()[name] != nil else {
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
}
