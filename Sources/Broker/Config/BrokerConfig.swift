import RecordLevel
import AuditLog
import LogStorage

/// The broker's settings, read from Kafka's `server.properties` keys. Keys Bulwark adds
/// live under `bulwark.`. Unknown keys are reported as warnings; bad values are errors.
public struct BrokerConfig: Sendable {
    public var nodeId: Int32 = 0
    public var listeners: [Listener] = [Listener(name: "PLAINTEXT", host: "", port: 9092)]
    public var advertisedListeners: [Listener]? = nil
    public var logDir: String = "/tmp/bulwark-logs"
    public var numPartitions: Int32 = 1
    public var autoCreateTopics = false
    public var socketRequestMaxBytes = 104_857_600
    public var connectionsMaxIdleMs: Int64 = 600_000
    /// How long one request may take to arrive once its first byte has (Bulwark's own).
    public var requestReadTimeoutMs: Int64 = 30_000
    public var logRetentionCheckIntervalMs: Int64 = 300_000
    /// Client quotas are measured over `quota.window.num` samples of
    /// `quota.window.size.seconds` each (Kafka's defaults: 11 × 1 s).
    public var quotaWindowNum = 11
    public var quotaWindowSizeSeconds = 1
    public var durability: Durability = .pageCache
    /// Topic defaults from the broker-level `log.*` keys (and `message.max.bytes`).
    public var logDefaults = LogConfig()
    public var groups = GroupSettings()
    /// Each listener's security, by listener name.
    public var listenerSecurity: [String: ListenerSecurity] = ["PLAINTEXT": ListenerSecurity()]
    /// `super.users` (`User:a;User:b`): principals every check allows.
    public var superUsers: Set<String> = []
    /// The audit log (`bulwark.audit.*`; on by default, in `<log.dirs>/audit`).
    public var audit = AuditConfig(directory: "/tmp/bulwark-logs/audit")
    /// The policy engine: on when `authorizer.class.name` or `bulwark.policy.dir` is set.
    public var authorization = AuthorizationSettings()
    /// Encryption at rest (`bulwark.encryption.*`).
    public var encryption = EncryptionSettings()
    /// Admin listener, logging, connection limits, production mode (`bulwark.admin.*`, …).
    public var operations = OperationsSettings()
    /// `bulwark.recordlevel.nonjson.action`: a record whose value a JSON mask applies to
    /// but is not JSON is dropped (default, fail closed) or sent with a null value.
    public var recordLevelNonJSON: NonJSONAction = .drop

    public struct AuthorizationSettings: Sendable {
        public var enabled = false
        /// Ranger policy sets and principals files (`*.json`), watched for changes.
        public var policyDirectory: String? = nil
        public var reloadIntervalMs: Int64 = 500
        /// Add the groups the operating system knows for each user (`bulwark.policy.groups.os`).
        public var osGroups = false
    }

    /// Group coordinator settings (`group.*`, `offsets.retention.minutes`).
    public struct GroupSettings: Sendable {
        public var minSessionTimeoutMs: Int32 = 6000
        public var maxSessionTimeoutMs: Int32 = 1_800_000
        public var initialRebalanceDelayMs: Int32 = 3000
        public var maxSize: Int32 = .max
        public var offsetsRetentionMinutes: Int64 = 10080
        public var offsetMetadataMaxBytes = 4096
    }

    public init() {}

    /// Broker-level `log.*` keys and the topic-level key each sets the default of.
    static let logKeyMap: [(broker: String, topic: String, scale: Int64)] = [
        ("log.segment.bytes", "segment.bytes", 1),
        ("log.roll.hours", "segment.ms", 3_600_000),
        ("log.roll.ms", "segment.ms", 1),
        ("log.retention.hours", "retention.ms", 3_600_000),
        ("log.retention.minutes", "retention.ms", 60_000),
        ("log.retention.ms", "retention.ms", 1),
        ("log.retention.bytes", "retention.bytes", 1),
        ("log.index.interval.bytes", "index.interval.bytes", 1),
        ("log.flush.interval.messages", "flush.messages", 1),
        ("log.flush.interval.ms", "flush.ms", 1),
        ("message.max.bytes", "max.message.bytes", 1),
        ("log.message.timestamp.type", "message.timestamp.type", 0),
        ("log.cleanup.policy", "cleanup.policy", 0),
    ]

    /// Kafka keys that are accepted for compatibility but have no effect on one node.
    static let acceptedWithoutEffect: Set<String> = [
        "num.network.threads", "num.io.threads", "socket.send.buffer.bytes", "socket.receive.buffer.bytes",
        "num.recovery.threads.per.data.dir", "offsets.topic.replication.factor", "transaction.state.log.replication.factor",
        "transaction.state.log.min.isr", "zookeeper.connect", "zookeeper.connection.timeout.ms", "process.roles",
        "controller.quorum.voters", "controller.listener.names", "inter.broker.listener.name",
        "min.insync.replicas", "unclean.leader.election.enable",
        "offsets.topic.num.partitions", "log.dir",
    ]

    /// Parses properties; returns the config and warnings (unknown keys).
    public static func parse(_ props: ServerProperties) throws(ConfigError) -> (BrokerConfig, [String]) {
        var c = BrokerConfig()
        var warnings: [String] = []
        var logOverrides: [String: String] = [:]
        var auditProperties: [String: String] = [:]
        var logKeyPrecedence: [String: Int64] = [:]  // finer units win, as in Kafka (ms over minutes over hours)

        for key in props.order {
            let value = props[key]!
            switch key {
            case "node.id", "broker.id": c.nodeId = try int32(key, value, min: 0)
            case "listeners": c.listeners = try Listener.parseList(value, key: key)
            case "listener.security.protocol.map": break  // resolved with the listeners below
            case "super.users":
                c.superUsers = Set(value.split(separator: ";").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty })
            case "advertised.listeners": c.advertisedListeners = try Listener.parseList(value, key: key)
            case "authorizer.class.name": c.authorization.enabled = !value.isEmpty
            case "bulwark.policy.dir":
                c.authorization.policyDirectory = value.isEmpty ? nil : value
                c.authorization.enabled = c.authorization.enabled || !value.isEmpty
            case "bulwark.policy.reload.interval.ms": c.authorization.reloadIntervalMs = try int64(key, value, min: 10)
            case "bulwark.policy.groups.os": c.authorization.osGroups = try bool(key, value)
            case "log.dirs", "log.dir":
                let dirs = value.split(separator: ",").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
                guard dirs.count == 1 else { throw ConfigError(key: key, message: "exactly one directory is supported") }
                c.logDir = dirs[0]
            case "num.partitions": c.numPartitions = try int32(key, value, min: 1)
            case "default.replication.factor", "offsets.topic.replication.factor":
                guard value == "1" else {
                    throw ConfigError(key: key, message: "Bulwark runs as a single node: replication factor must be 1")
                }
            case "auto.create.topics.enable": c.autoCreateTopics = try bool(key, value)
            case "socket.request.max.bytes": c.socketRequestMaxBytes = Int(try int32(key, value, min: 1024))
            case "connections.max.idle.ms": c.connectionsMaxIdleMs = try int64(key, value, min: 1)
            case "bulwark.request.read.timeout.ms": c.requestReadTimeoutMs = try int64(key, value, min: 1)
            case "log.retention.check.interval.ms": c.logRetentionCheckIntervalMs = try int64(key, value, min: 1)
            case "quota.window.num": c.quotaWindowNum = Int(try int32(key, value, min: 2))
            case "quota.window.size.seconds": c.quotaWindowSizeSeconds = Int(try int32(key, value, min: 1))
            case "group.min.session.timeout.ms": c.groups.minSessionTimeoutMs = try int32(key, value, min: 0)
            case "group.max.session.timeout.ms": c.groups.maxSessionTimeoutMs = try int32(key, value, min: 0)
            case "group.initial.rebalance.delay.ms": c.groups.initialRebalanceDelayMs = try int32(key, value, min: 0)
            case "group.max.size": c.groups.maxSize = try int32(key, value, min: 1)
            case "offsets.retention.minutes": c.groups.offsetsRetentionMinutes = try int64(key, value, min: 1)
            case "offset.metadata.max.bytes": c.groups.offsetMetadataMaxBytes = Int(try int32(key, value, min: 0))
            case "bulwark.durability":
                switch value {
                case "page-cache": c.durability = .pageCache
                case "group-commit": c.durability = .groupCommit
                default: throw ConfigError(key: key, message: "must be page-cache or group-commit, not '\(value)'")
                }
            case "bulwark.recordlevel.nonjson.action":
                guard let action = NonJSONAction(rawValue: value) else { throw ConfigError(key: key, message: "must be drop or null, not '\(value)'") }
                c.recordLevelNonJSON = action
            case _ where EncryptionSettings.keys.contains(key): try c.encryption.apply(key, value)
            case _ where key.hasPrefix("bulwark.audit."): auditProperties[key] = value
            case _ where OperationsSettings.owns(key): break  // resolved below
            default:
                if let mapping = logKeyMap.first(where: { $0.broker == key }) {
                    let precedence = mapping.scale == 0 ? 1 : -mapping.scale
                    if let seen = logKeyPrecedence[mapping.topic], seen > precedence { continue }
                    logKeyPrecedence[mapping.topic] = precedence
                    if mapping.scale > 1 {
                        let n = try int64(key, value, min: -1)
                        logOverrides[mapping.topic] = n < 0 ? "-1" : String(n * mapping.scale)
                    } else {
                        logOverrides[mapping.topic] = value
                    }
                } else if ListenerSecurity.keys.contains(key) || key.hasPrefix("listener.name.") {
                    break  // resolved per listener below
                } else if !acceptedWithoutEffect.contains(key) {
                    warnings.append("unknown configuration key '\(key)' ignored")
                }
            }
        }
        do {
            c.logDefaults = try LogConfig().applying(logOverrides)
        } catch {
            let brokerKey = logKeyMap.first { $0.topic == error.key }?.broker ?? error.key
            throw ConfigError(key: brokerKey, message: error.message)
        }
        try c.encryption.validate()
        do {
            c.audit = try AuditConfig.parse(auditProperties, dataDirectory: c.logDir)
        } catch {
            throw ConfigError(key: "bulwark.audit", message: "\(error)")
        }
        if c.groups.minSessionTimeoutMs > c.groups.maxSessionTimeoutMs {
            throw ConfigError(key: "group.min.session.timeout.ms", message: "exceeds group.max.session.timeout.ms")
        }
        c.operations = try OperationsSettings.resolve(props)
        let protocolMap = try ListenerSecurity.parseProtocolMap(props["listener.security.protocol.map"])
        c.listenerSecurity = [:]
        for l in c.listeners {
            c.listenerSecurity[l.name] = try ListenerSecurity.resolve(listener: l.name, props: props, protocolMap: protocolMap)
        }
        return (c, warnings)
    }

    /// Where clients are told to connect: the advertised listener, else the listener with
    /// its wildcard host replaced by a name clients can reach.
    public var advertised: Listener { advertised(for: listeners[0].name) }

    /// The address of the named listener that clients are told (Kafka answers Metadata with
    /// the endpoints of the listener the request came in on).
    public func advertised(for name: String) -> Listener {
        if let a = advertisedListeners?.first(where: { $0.name == name }) ?? (listeners.count == 1 ? advertisedListeners?.first : nil) {
            return a
        }
        var l = listeners.first(where: { $0.name == name }) ?? listeners[0]
        if l.host.isEmpty || l.host == "0.0.0.0" || l.host == "::" { l.host = "127.0.0.1" }
        return l
    }

    private static func int64(_ key: String, _ value: String, min: Int64) throws(ConfigError) -> Int64 {
        guard let n = Int64(value), n >= min else { throw ConfigError(key: key, message: "'\(value)' is not an integer ≥ \(min)") }
        return n
    }

    private static func int32(_ key: String, _ value: String, min: Int32) throws(ConfigError) -> Int32 {
        guard let n = Int32(value), n >= min else { throw ConfigError(key: key, message: "'\(value)' is not an integer ≥ \(min)") }
        return n
    }

    private static func bool(_ key: String, _ value: String) throws(ConfigError) -> Bool {
        switch value.lowercased() {
        case "true": return true
        case "false": return false
        default: throw ConfigError(key: key, message: "'\(value)' is not true or false")
        }
    }
}
