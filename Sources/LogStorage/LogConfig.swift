import KafkaWire

/// A topic's log settings, under Kafka's topic-level names and with Kafka's defaults.
///
/// The broker's `log.*` settings become the defaults it passes to `LogManager`; a
/// topic's overrides (CreateTopics, AlterConfigs) are applied on top by key name.
public struct LogConfig: Sendable, Hashable {
    /// `segment.bytes`: roll to a new segment past this size.
    public var segmentBytes: Int = 1_073_741_824
    /// `segment.ms`: roll a segment this long after its first batch.
    public var segmentMs: Int64 = 604_800_000
    /// `retention.ms`: delete whole segments older than this; -1 keeps forever.
    public var retentionMs: Int64 = 604_800_000
    /// `retention.bytes`: delete old segments while the log is larger; -1 is unbounded.
    public var retentionBytes: Int64 = -1
    /// `index.interval.bytes`: bytes between two sparse index entries.
    public var indexIntervalBytes: Int = 4096
    /// `flush.messages`: fsync after this many records (Int64.max: never).
    public var flushMessages: Int64 = .max
    /// `flush.ms`: fsync data older than this (Int64.max: never).
    public var flushMs: Int64 = .max
    /// `max.message.bytes`: the largest batch accepted.
    public var maxMessageBytes: Int = 1_048_588
    /// `message.timestamp.type`.
    public var messageTimestampType: TimestampType = .createTime
    /// `cleanup.policy`: only `delete` is supported; `compact` is refused.
    public var cleanupPolicy: String = "delete"

    /// Kafka's defaults.
    public init() {}

    /// Every topic-level key this store understands, in Kafka's spelling.
    public static let topicKeys: [String] = LogConfigKey.allCases.map(\.rawValue)

    /// Applies topic-level overrides by Kafka key name. An unknown key or a bad value
    /// is refused naming the key; nothing is applied then.
    public func applying(_ overrides: [String: String]) throws(LogConfigError) -> LogConfig {
        var config = self
        // Sorted so that the error for several bad keys is deterministic.
        for (name, value) in overrides.sorted(by: { $0.key < $1.key }) {
            guard let key = LogConfigKey(rawValue: name) else {
                throw LogConfigError(key: name, message: "unknown topic config \(name)")
            }
            try key.apply(value, to: &config)
        }
        return config
    }

    /// Every topic-level key with its current value, for DescribeConfigs.
    public func describe() -> [(name: String, value: String)] {
        LogConfigKey.allCases.map { ($0.rawValue, $0.value(in: self)) }
    }
}

/// A refused topic config: which key and why (the broker answers INVALID_CONFIG).
public struct LogConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    public var key: String
    public var message: String

    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }

    public var description: String { "invalid config \(key): \(message)" }
}
