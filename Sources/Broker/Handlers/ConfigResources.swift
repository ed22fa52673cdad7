import KafkaWire
import LogStorage
import PolicyEngine

/// The config entries of a topic or of the broker, with Kafka's sources, for
/// DescribeConfigs and CreateTopics.
enum ConfigResources {
    static let topic: Int8 = 2
    static let broker: Int8 = 4

    struct Entry {
        var name: String
        var value: String
        var source: Int8
        var readOnly: Bool
    }

    /// A topic's effective config: overrides are dynamic, values set by broker-level
    /// `log.*` keys are static broker config, the rest Kafka's defaults.
    static func topicEntries(overrides: [String: String], state: BrokerState) -> [Entry]? {
        guard let effective = try? state.config.logDefaults.applying(overrides) else { return nil }
        let kafkaDefaults = Dictionary(LogConfig().describe().map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        return effective.describe().map { entry in
            let source: Int8 = overrides[entry.name] != nil ? ConfigSource.dynamicTopic
                : (kafkaDefaults[entry.name] == entry.value ? ConfigSource.defaultConfig : ConfigSource.staticBroker)
            return Entry(name: entry.name, value: entry.value, source: source, readOnly: false)
        }
    }

    /// The broker's own settings: static (from server.properties), so read-only here.
    static func brokerEntries(state: BrokerState) -> [Entry] {
        let c = state.config
        let listeners = c.listeners.map(\.description).joined(separator: ",")
        var entries: [(String, String)] = [
            ("node.id", "\(c.nodeId)"), ("broker.id", "\(c.nodeId)"), ("listeners", listeners),
            ("advertised.listeners", c.advertised.description), ("log.dirs", c.logDir),
            ("num.partitions", "\(c.numPartitions)"), ("default.replication.factor", "1"),
            ("auto.create.topics.enable", "\(c.autoCreateTopics)"),
            ("socket.request.max.bytes", "\(c.socketRequestMaxBytes)"),
            ("connections.max.idle.ms", "\(c.connectionsMaxIdleMs)"),
            ("log.retention.check.interval.ms", "\(c.logRetentionCheckIntervalMs)"),
            ("group.min.session.timeout.ms", "\(c.groups.minSessionTimeoutMs)"),
            ("group.max.session.timeout.ms", "\(c.groups.maxSessionTimeoutMs)"),
            ("group.initial.rebalance.delay.ms", "\(c.groups.initialRebalanceDelayMs)"),
            ("offsets.retention.minutes", "\(c.groups.offsetsRetentionMinutes)"),
        ]
        let topicDefaults = Dictionary(c.logDefaults.describe().map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        for (brokerKey, topicKey, scale) in BrokerConfig.logKeyMap where scale <= 1 {
            if let v = topicDefaults[topicKey] { entries.append((brokerKey, v)) }
        }
        return entries.map { Entry(name: $0.0, value: $0.1, source: ConfigSource.staticBroker, readOnly: true) }
    }
}

extension ConfigResources {
    /// Which config resources `operation` (DESCRIBE_CONFIGS or ALTER_CONFIGS) is allowed
    /// on, in one engine call: a topic by name, the broker as the cluster. The error for a
    /// denied one: TOPIC_ or CLUSTER_AUTHORIZATION_FAILED.
    static func authorize(_ resources: [(type: Int8, name: String)], _ operation: KafkaOperation,
                          context: RequestContext) -> [KafkaErrorCode?] {
        let checks = resources.map { r -> AuthorizationCheck? in
            switch r.type {
            case topic: AuthorizationCheck(operation, .topic, r.name)
            case broker: .cluster(operation)
            default: nil
            }
        }
        let present = checks.compactMap { $0 }
        var allowed = context.authorize(present).makeIterator()
        return zip(resources, checks).map { r, check in
            guard check != nil, allowed.next() == false else { return nil }
            return r.type == topic ? .topicAuthorizationFailed : .clusterAuthorizationFailed
        }
    }
}
