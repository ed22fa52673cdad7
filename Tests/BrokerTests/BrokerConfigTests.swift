import BrokerSecurity
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

@Suite struct ListenerSecurityConfigTests {
    @Test func listenersMapMechanismsAndOverrides() throws {
        let (c, warnings) = try BrokerConfig.parse(ServerProperties(parsing: """
            listeners=SASL_PLAINTEXT://127.0.0.1:9093,EXTERNAL://:9094,PLAINTEXT://:9092
            listener.security.protocol.map=EXTERNAL:SASL_SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,PLAINTEXT:PLAINTEXT
            sasl.enabled.mechanisms=SCRAM-SHA-512
            listener.name.external.sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256
            ssl.keystore.type=PEM
            ssl.keystore.location=/etc/bulwark/server.pem
            ssl.enabled.protocols=TLSv1.3
            """))
        #expect(warnings.isEmpty)
        #expect(c.listenerSecurity["SASL_PLAINTEXT"]?.securityProtocol == .saslPlaintext)
        #expect(c.listenerSecurity["SASL_PLAINTEXT"]?.saslMechanisms == ["SCRAM-SHA-512"])
        #expect(c.listenerSecurity["SASL_PLAINTEXT"]?.tls == nil)
        #expect(c.listenerSecurity["EXTERNAL"]?.securityProtocol == .saslSsl)
        #expect(c.listenerSecurity["EXTERNAL"]?.saslMechanisms == ["PLAIN", "SCRAM-SHA-256"])
        #expect(c.listenerSecurity["EXTERNAL"]?.tls == TLSSettings(keyStore: .pemFile(path: "/etc/bulwark/server.pem"),
                                                                   trustStorePath: nil, clientAuth: .none,
                                                                   minimumVersion: .tls13, maximumVersion: .tls13))
        #expect(c.listenerSecurity["PLAINTEXT"]?.securityProtocol == .plaintext)
        #expect(c.listenerSecurity["EXTERNAL"]?.saslMaxReceiveSize == 524_288)
        #expect(c.listenerSecurity["EXTERNAL"]?.principalSource == .subject)
        #expect(c.advertised(for: "EXTERNAL") == Listener(name: "EXTERNAL", host: "127.0.0.1", port: 9094))
    }

    @Test func refusals() {
        // Kafka's default mechanism is GSSAPI: without a JAAS entry naming keytab and principal it cannot start.
        #expect(throws: ConfigError(key: "listener.name.sasl_plaintext.gssapi.sasl.jaas.config",
                                    message: "GSSAPI is enabled on SASL_PLAINTEXT but no JAAS entry gives its keyTab and principal")) {
            try BrokerConfig.parse(ServerProperties(parsing: "listeners=SASL_PLAINTEXT://:9093\n"))
        }
        #expect(throws: ConfigError(key: "sasl.enabled.mechanisms", message: "PLAIN sends passwords in the clear on SASL_PLAINTEXT (SASL_PLAINTEXT); use SASL_SSL or set bulwark.sasl.plain.allow.insecure=true")) {
            try BrokerConfig.parse(ServerProperties(parsing: "listeners=SASL_PLAINTEXT://:9093\nsasl.enabled.mechanisms=PLAIN\n"))
        }
        #expect(throws: ConfigError(key: "listener.security.protocol.map", message: "no security protocol for listener FOO")) {
            try BrokerConfig.parse(ServerProperties(parsing: "listeners=FOO://:9093\n"))
        }
        #expect(throws: ConfigError(key: "bulwark.ssl.principal.source", message: "must be subject or san-uri")) {
            try BrokerConfig.parse(ServerProperties(parsing: "listeners=SSL://:9093\nssl.keystore.location=/k.pem\nbulwark.ssl.principal.source=cn\n"))
        }
        #expect(throws: ConfigError(key: "listener.name.sasl_plaintext.sasl.server.max.receive.size", message: "'12' is not an integer ≥ 1024")) {
            try BrokerConfig.parse(ServerProperties(parsing: "listeners=SASL_PLAINTEXT://:9093\nsasl.enabled.mechanisms=SCRAM-SHA-256\nlistener.name.sasl_plaintext.sasl.server.max.receive.size=12\n"))
        }
        #expect(throws: ConfigError(key: "ssl.client.auth", message: "must be none, requested or required")) {
            try BrokerConfig.parse(ServerProperties(parsing: "listeners=SSL://:9093\nssl.keystore.location=/k.pem\nssl.client.auth=maybe\n"))
        }
    }
}
