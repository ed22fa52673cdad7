import Testing

@testable import Broker

@Suite struct BrokerConfigTests {
    @Test func kafkaKeysAreRead() throws {
        let props = ServerProperties(parsing: """
            # a comment
            node.id=3
            listeners=PLAINTEXT://127.0.0.1:19092
            advertised.listeners = PLAINTEXT://broker.example:9092
            log.dirs=/var/lib/bulwark
            num.partitions: 6
            auto.create.topics.enable=true
            log.retention.hours=48
            log.segment.bytes=1048576
            message.max.bytes=2000000
            group.initial.rebalance.delay.ms=0
            bulwark.durability=group-commit
            num.network.threads=3
            """)
        let (c, warnings) = try BrokerConfig.parse(props)
        #expect(warnings == [])
        #expect(c.nodeId == 3)
        #expect(c.listeners == [Listener(name: "PLAINTEXT", host: "127.0.0.1", port: 19092)])
        #expect(c.advertised == Listener(name: "PLAINTEXT", host: "broker.example", port: 9092))
        #expect(c.logDir == "/var/lib/bulwark")
        #expect(c.numPartitions == 6)
        #expect(c.autoCreateTopics)
        #expect(c.logDefaults.retentionMs == 48 * 3_600_000)
        #expect(c.logDefaults.segmentBytes == 1_048_576)
        #expect(c.logDefaults.maxMessageBytes == 2_000_000)
        #expect(c.groups.initialRebalanceDelayMs == 0)
        #expect(c.durability == .groupCommit)
    }

    @Test func finerRetentionUnitsWinRegardlessOfOrder() throws {
        let (c, _) = try BrokerConfig.parse(ServerProperties(parsing: "log.retention.ms=5000\nlog.retention.hours=1\n"))
        #expect(c.logDefaults.retentionMs == 5000)
    }

    @Test func unknownKeysWarnAndDefaultsHold() throws {
        let (c, warnings) = try BrokerConfig.parse(ServerProperties(parsing: "no.such.key=1\n"))
        #expect(warnings == ["unknown configuration key 'no.such.key' ignored"])
        #expect(c.autoCreateTopics == false)
        #expect(c.socketRequestMaxBytes == 104_857_600)
        #expect(c.advertised == Listener(name: "PLAINTEXT", host: "127.0.0.1", port: 9092))
    }

    @Test func invalidValuesNameTheirKey() {
        #expect(throws: ConfigError(key: "num.partitions", message: "'zero' is not an integer ≥ 1")) {
            try BrokerConfig.parse(ServerProperties(parsing: "num.partitions=zero\n"))
        }
        #expect(throws: ConfigError(key: "default.replication.factor", message: "Bulwark runs as a single node: replication factor must be 1")) {
            try BrokerConfig.parse(ServerProperties(parsing: "default.replication.factor=3\n"))
        }
        #expect(throws: ConfigError(key: "listeners", message: "'PLAINTEXT://host' has no port")) {
            try BrokerConfig.parse(ServerProperties(parsing: "listeners=PLAINTEXT://host\n"))
        }
        #expect(throws: ConfigError(key: "bulwark.durability", message: "must be page-cache or group-commit, not 'fast'")) {
            try BrokerConfig.parse(ServerProperties(parsing: "bulwark.durability=fast\n"))
        }
        #expect(throws: ConfigError.self) {
            try BrokerConfig.parse(ServerProperties(parsing: "log.segment.bytes=-5\n"))
        }
    }

    @Test func propertiesSyntax() {
        let p = ServerProperties(parsing: "a = 1\n! bang comment\nb:2\nc=multi\\\n  line\n\nd=\n")
        #expect(p["a"] == "1")
        #expect(p["b"] == "2")
        #expect(p["c"] == "multiline")
        #expect(p["d"] == "")
        #expect(p.order == ["a", "b", "c", "d"])
    }

    @Test func softwareNamesFollowKafkasPattern() {
        #expect(ApiVersionsHandler.isValidSoftwareField("librdkafka"))
        #expect(ApiVersionsHandler.isValidSoftwareField("2.0.2"))
        #expect(ApiVersionsHandler.isValidSoftwareField("kafka-python"))
        #expect(!ApiVersionsHandler.isValidSoftwareField(""))
        #expect(!ApiVersionsHandler.isValidSoftwareField("-x"))
        #expect(!ApiVersionsHandler.isValidSoftwareField("a b"))
    }
}
