import KafkaWire

/// The topic-level keys, with Kafka's parsing and bounds for each.
enum LogConfigKey: String, CaseIterable {
    case cleanupPolicy = "cleanup.policy"
    case flushMessages = "flush.messages"
    case flushMs = "flush.ms"
    case indexIntervalBytes = "index.interval.bytes"
    case maxMessageBytes = "max.message.bytes"
    case messageTimestampType = "message.timestamp.type"
    case retentionBytes = "retention.bytes"
    case retentionMs = "retention.ms"
    case segmentBytes = "segment.bytes"
    case segmentMs = "segment.ms"

    func apply(_ text: String, to config: inout LogConfig) throws(LogConfigError) {
        switch self {
        case .cleanupPolicy:
            let policies = text.split(separator: ",").map { $0.trimmingWhitespace() }
            guard !policies.isEmpty, policies.allSatisfy({ $0 == "delete" || $0 == "compact" }) else {
                throw fail("must be delete or compact, got \(text)")
            }
            guard !policies.contains("compact") else { throw fail("compaction is not supported") }
            config.cleanupPolicy = "delete"
        case .flushMessages: config.flushMessages = try long(text, atLeast: 1)
        case .flushMs: config.flushMs = try long(text, atLeast: 0)
        case .indexIntervalBytes: config.indexIntervalBytes = try int(text, atLeast: 0)
        case .maxMessageBytes: config.maxMessageBytes = try int(text, atLeast: 0)
        case .messageTimestampType:
            switch text {
            case "CreateTime": config.messageTimestampType = .createTime
            case "LogAppendTime": config.messageTimestampType = .logAppendTime
            default: throw fail("must be CreateTime or LogAppendTime, got \(text)")
            }
        case .retentionBytes: config.retentionBytes = try long(text, atLeast: .min)
        case .retentionMs: config.retentionMs = try long(text, atLeast: -1)
        // 14 is Kafka's floor (the smallest legacy message): a segment must hold a batch.
        case .segmentBytes: config.segmentBytes = try int(text, atLeast: 14)
        case .segmentMs: config.segmentMs = try long(text, atLeast: 1)
        }
    }

    func value(in config: LogConfig) -> String {
        switch self {
        case .cleanupPolicy: config.cleanupPolicy
        case .flushMessages: String(config.flushMessages)
        case .flushMs: String(config.flushMs)
        case .indexIntervalBytes: String(config.indexIntervalBytes)
        case .maxMessageBytes: String(config.maxMessageBytes)
        case .messageTimestampType: config.messageTimestampType == .createTime ? "CreateTime" : "LogAppendTime"
        case .retentionBytes: String(config.retentionBytes)
        case .retentionMs: String(config.retentionMs)
        case .segmentBytes: String(config.segmentBytes)
        case .segmentMs: String(config.segmentMs)
        }
    }

    private func fail(_ message: String) -> LogConfigError {
        LogConfigError(key: rawValue, message: message)
    }

    private func long(_ text: String, atLeast minimum: Int64) throws(LogConfigError) -> Int64 {
        guard let value = Int64(text.trimmingWhitespace()) else { throw fail("not a number: \(text)") }
        guard value >= minimum else { throw fail("must be at least \(minimum), got \(value)") }
        return value
    }

    /// Kafka's int-typed keys are Java ints: at most Int32.max.
    private func int(_ text: String, atLeast minimum: Int) throws(LogConfigError) -> Int {
        guard let value = Int32(text.trimmingWhitespace()) else { throw fail("not a 32-bit number: \(text)") }
        guard Int(value) >= minimum else { throw fail("must be at least \(minimum), got \(value)") }
        return Int(value)
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
