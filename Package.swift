// swift-tools-version:6.0
import PackageDescription

// Target purity is enforced here: KafkaWire sees NIOCore and its C shims only, so it
// cannot reach a socket or a file. See docs/ARCHITECTURE.md.
let package = Package(
    name: "Bulwark",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "bulwark", targets: ["bulwark"]),
        .library(name: "KafkaWire", targets: ["KafkaWire"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        // Ed25519/SHA-256 for the audit chain; X.509 issuance for the development CA.
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        // Gauges (certificate expiry) through the metrics API; issue 11 picks the backend.
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        // The Prometheus text exposition behind the metrics API (issue 11's admin listener).
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // C shims: hardware CRC-32C, and the system compression libraries.
        .target(name: "CCRC32C", cSettings: [.unsafeFlags(["-O3"])]),
        .systemLibrary(name: "CCompression"),
        // The system libcrypto, for SCRAM's SHA-2, HMAC and PBKDF2 (behind ScramAlgorithm).
        .systemLibrary(name: "COpenSSLCrypto", providers: [.apt(["libssl-dev"])]),
        // MIT Kerberos GSSAPI, for SASL/GSSAPI (behind BrokerSecurity's acceptor wrapper).
        .systemLibrary(name: "CGSSAPI", providers: [.apt(["libkrb5-dev"])]),

        // The pure Kafka wire codec.
        .target(
            name: "KafkaWire",
            dependencies: [
                "CCRC32C", "CCompression",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),

        // Encryption at rest: master key providers, per-tenant/topic KEKs, wrapped DEKs, AEAD sealing.
        .target(
            name: "EnvelopeCrypto",
            dependencies: [.product(name: "Crypto", package: "swift-crypto"), "COpenSSLCrypto"]
        ),
        // The durable partition log: segments, indexes, recovery, retention, producer state.
        .target(
            name: "LogStorage",
            dependencies: [
                "KafkaWire", "EnvelopeCrypto",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // Consumer groups: membership state machine and committed offsets.
        .target(
            name: "GroupCoordinator",
            dependencies: [
                "KafkaWire", "EnvelopeCrypto",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Security: SASL mechanisms (step functions over bytes), the SASL session state
        // machine, the SCRAM credential store, TLS configuration and certificate principals.
        .target(
            name: "BrokerSecurity",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Metrics", package: "swift-metrics"),
                "COpenSSLCrypto", "CGSSAPI",
            ]
        ),
        // The Ranger-style policy engine: pure, bytes in (policies, requests), decisions out.
        .target(name: "PolicyEngine"),
        // Record-level access: row filters, data masks and produce rules applied to record
        // batches (pure: bytes and compiled rules in, rewritten bytes out).
        .target(
            name: "RecordLevel",
            dependencies: [
                "KafkaWire", "PolicyEngine",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The append-only, tamper-evident audit log: segments, hash chain, signed checkpoints.
        .target(
            name: "AuditLog",
            dependencies: [
                "EnvelopeCrypto",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // The broker: server, connections, configuration, one handler per API.
        .target(
            name: "Broker",
            dependencies: [
                "KafkaWire", "LogStorage", "GroupCoordinator", "BrokerSecurity", "PolicyEngine", "AuditLog", "RecordLevel",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),

        // Code generator: JSON message specs in, Swift source out. The library is pure
        // (so a test can regenerate in memory); the executable does the file I/O.
        .target(name: "KafkaWireCodegen"),
        .executableTarget(name: "kafka-wire-gen", dependencies: ["KafkaWireCodegen"]),

        .executableTarget(
            name: "bulwark",
            dependencies: [
                "KafkaWire", "Broker", "BrokerSecurity", "PolicyEngine", "AuditLog", "EnvelopeCrypto",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),

        // Test and tooling support: the mutation fuzzer, the capture listener, benchmarks.
        .target(
            name: "BulwarkTestSupport",
            dependencies: ["KafkaWire", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .executableTarget(name: "wire-fuzz", dependencies: ["BulwarkTestSupport"]),
        .executableTarget(
            name: "wire-capture",
            dependencies: [
                "KafkaWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "wire-bench",
            dependencies: ["KafkaWire", .product(name: "NIOCore", package: "swift-nio")],
            path: "Benchmarks/WireBench"
        ),

        .testTarget(
            name: "KafkaWireTests",
            dependencies: ["KafkaWire", "BulwarkTestSupport"],
            exclude: ["Fixtures"]
        ),
        .testTarget(name: "KafkaWireCodegenTests", dependencies: ["KafkaWireCodegen"]),

        // Storage tooling: a writer the crash harness kills, and the storage benchmark.
        .executableTarget(name: "log-writer", dependencies: ["LogStorage", "KafkaWire", "BulwarkTestSupport", .product(name: "NIOCore", package: "swift-nio"), .product(name: "Logging", package: "swift-log")]),
        .executableTarget(
            name: "storage-bench",
            dependencies: ["LogStorage", "KafkaWire", .product(name: "NIOCore", package: "swift-nio"), .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/StorageBench"
        ),
        .testTarget(
            name: "LogStorageTests",
            dependencies: ["LogStorage", "KafkaWire", "BulwarkTestSupport", .product(name: "NIOCore", package: "swift-nio"), .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "GroupCoordinatorTests",
            dependencies: [
                "GroupCoordinator", "KafkaWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "BrokerTests", dependencies: ["Broker", "BrokerSecurity", "KafkaWire", "BulwarkTestSupport", .product(name: "NIOCore", package: "swift-nio")]),
        .testTarget(name: "BrokerSecurityTests", dependencies: ["BrokerSecurity", .product(name: "MetricsTestKit", package: "swift-metrics")]),
        .testTarget(name: "PolicyEngineTests", dependencies: ["PolicyEngine"]),
        .testTarget(name: "RecordLevelTests", dependencies: ["RecordLevel", "PolicyEngine", "KafkaWire", .product(name: "NIOCore", package: "swift-nio"), .product(name: "Crypto", package: "swift-crypto")]),
        .executableTarget(
            name: "record-bench",
            dependencies: ["RecordLevel", "PolicyEngine", "KafkaWire", "LogStorage", .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/RecordBench"
        ),
        .testTarget(name: "AuditLogTests", dependencies: ["AuditLog", "EnvelopeCrypto"]),
        .testTarget(name: "EnvelopeCryptoTests", dependencies: ["EnvelopeCrypto"]),
        .executableTarget(name: "policy-bench", dependencies: ["PolicyEngine"], path: "Benchmarks/PolicyBench"),
        .executableTarget(name: "audit-bench", dependencies: ["AuditLog"], path: "Benchmarks/AuditBench"),
    ]
)
