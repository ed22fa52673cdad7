import KafkaWire
import Testing

@testable import LogStorage

@Suite struct LogConfigTests {
    @Test func defaultsAreKafkas() {
        let config = LogConfig()
        #expect(config.segmentBytes == 1_073_741_824)
        #expect(config.segmentMs == 604_800_000)
        #expect(config.retentionMs == 604_800_000)
        #expect(config.retentionBytes == -1)
        #expect(config.indexIntervalBytes == 4096)
        #expect(config.flushMessages == Int64.max)
        #expect(config.flushMs == Int64.max)
        #expect(config.maxMessageBytes == 1_048_588)
        #expect(config.messageTimestampType == .createTime)
        #expect(config.cleanupPolicy == "delete")
    }

    @Test func appliesOverridesByKafkaName() throws {
        let config = try LogConfig().applying([
            "segment.bytes": "1048576", "retention.ms": "-1", "message.timestamp.type": "LogAppendTime", "flush.messages": "1",
        ])
        #expect(config.segmentBytes == 1_048_576)
        #expect(config.retentionMs == -1)
        #expect(config.messageTimestampType == .logAppendTime)
        #expect(config.flushMessages == 1)
    }

    @Test func refusesUnknownKeysAndBadValuesNamingTheKey() {
        #expect(throws: LogConfigError(key: "segment.byte", message: "unknown topic config segment.byte")) {
            try LogConfig().applying(["segment.byte": "1"])
        }
        #expect(throws: LogConfigError(key: "segment.bytes", message: "not a 32-bit number: 1e9")) {
            try LogConfig().applying(["segment.bytes": "1e9"])
        }
        #expect(throws: LogConfigError(key: "retention.ms", message: "must be at least -1, got -2")) {
            try LogConfig().applying(["retention.ms": "-2"])
        }
        #expect(throws: LogConfigError(key: "cleanup.policy", message: "compaction is not supported")) {
            try LogConfig().applying(["cleanup.policy": "compact"])
        }
        #expect(throws: LogConfigError(key: "message.timestamp.type", message: "must be CreateTime or LogAppendTime, got Now")) {
            try LogConfig().applying(["message.timestamp.type": "Now"])
        }
    }

    @Test func describesEveryTopicKey() throws {
        let described = try LogConfig().applying(["retention.bytes": "123"]).describe()
        #expect(described.map(\.name) == LogConfig.topicKeys)
        #expect(Set(LogConfig.topicKeys).count == 10)
        #expect(described.first { $0.name == "retention.bytes" }?.value == "123")
        #expect(described.first { $0.name == "flush.ms" }?.value == "9223372036854775807")
        #expect(described.first { $0.name == "message.timestamp.type" }?.value == "CreateTime")
    }
}
