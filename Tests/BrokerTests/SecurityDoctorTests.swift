import Testing

@testable import Broker

/// The doctor's checks on properties alone, with file modes injected (the client tests run
/// `bulwark doctor` on real files).
@Suite struct SecurityDoctorTests {
    static let secure: [String: String] = [
        "listeners": "SECURE://0.0.0.0:9093",
        "listener.security.protocol.map": "SECURE:SASL_SSL",
        "sasl.enabled.mechanisms": "SCRAM-SHA-512",
        "bulwark.policy.dir": "/nonexistent/policies",
        "bulwark.encryption.enabled": "true",
        "bulwark.encryption.master.key.file": "/etc/bulwark/master.key",
        "log.dirs": "/nonexistent/data",
    ]

    func ids(_ extra: [String: String], modes: [String: UInt16] = [:]) -> [String] {
        let props = ServerProperties(Self.secure.merging(extra) { $1 })
        return SecurityDoctor(props: props, mode: { modes[$0] }).run().map(\.id)
    }

    @Test func aSecureConfigurationHasNoFinding() {
        #expect(ids([:], modes: ["/etc/bulwark/master.key": 0o600]) == [])
    }

    @Test func plaintextOnTheNetworkButNotOnLoopback() {
        #expect(ids(["listeners": "SECURE://0.0.0.0:9093,P://:9092", "listener.security.protocol.map": "SECURE:SASL_SSL,P:PLAINTEXT"])
            == ["plaintext-listener"])
        #expect(ids(["listeners": "SECURE://0.0.0.0:9093,P://127.0.0.1:9092", "listener.security.protocol.map": "SECURE:SASL_SSL,P:PLAINTEXT"])
            == [])
    }

    @Test func plainWithoutTLS() {
        let listener = ["listeners": "S://10.0.0.5:9092", "listener.security.protocol.map": "S:SASL_PLAINTEXT"]
        #expect(ids(listener.merging(["sasl.enabled.mechanisms": "SCRAM-SHA-512,PLAIN"]) { $1 }) == ["plain-without-tls"])
        #expect(ids(listener) == [])
    }

    @Test func weakTLSVersions() {
        #expect(ids(["ssl.enabled.protocols": "TLSv1.1,TLSv1.2"]) == ["tls-below-1.2"])
        #expect(ids(["listener.name.secure.ssl.enabled.protocols": "TLSv1"]) == ["tls-below-1.2"])
        #expect(ids(["ssl.enabled.protocols": "TLSv1.2,TLSv1.3"]) == [])
    }

    @Test func wildcardSuperUsersAndOpenAcls() {
        #expect(ids(["super.users": "User:admin;User:*"]) == ["wildcard-super-user"])
        #expect(ids(["allow.everyone.if.no.acl.found": "true"]) == ["allow-everything-policy"])
    }

    @Test func authorizationOffOnTheNetwork() {
        #expect(ids(["bulwark.policy.dir": ""]) == ["authorization-off"])
    }

    @Test func auditOffOrFailOpen() {
        #expect(ids(["bulwark.audit.enabled": "false"]) == ["audit-off"])
        #expect(ids(["bulwark.audit.failure.mode.admin": "open"]) == ["audit-fail-open"])
        #expect(ids(["bulwark.audit.failure.mode.authorization": "denials-closed"]) == [])
    }

    @Test func encryptionOffIsMedium() {
        let props = ServerProperties(Self.secure.merging(["bulwark.encryption.enabled": "false"]) { $1 })
        let findings = SecurityDoctor(props: props, mode: { _ in nil }).run()
        #expect(findings.map(\.id) == ["encryption-off"])
        #expect(findings.first?.severity == .medium)
    }

    @Test func secretFilesReadableByOthers() {
        let findings = SecurityDoctor(props: ServerProperties(Self.secure), mode: {
            ["/etc/bulwark/master.key": 0o644, "/nonexistent/data/meta/scram-credentials": 0o640][$0]
        }).run()
        #expect(findings.map(\.id) == ["secret-file-permissions", "secret-file-permissions"])
        #expect(findings.allSatisfy { $0.severity == .high })
        #expect(Set(findings.map(\.subject)) == ["/etc/bulwark/master.key", "/nonexistent/data/meta/scram-credentials"])
    }

    @Test func aConfigurationHoldingPasswordsIsASecretFile() {
        let props = ServerProperties(Self.secure.merging(["ssl.key.password": "x"]) { $1 })
        let ids = SecurityDoctor(props: props, configFile: "/etc/bulwark/server.properties",
                                 mode: { $0 == "/etc/bulwark/server.properties" ? 0o644 : 0o600 }).run().map(\.id)
        #expect(ids == ["secret-file-permissions"])
    }

    @Test func adminListenerOnTheNetworkNeedsCredentials() {
        #expect(ids(["bulwark.admin.listener": "http://127.0.0.1:9644"]) == [])
        #expect(ids(["bulwark.admin.listener": "http://0.0.0.0:9644"]) == ["admin-unauthenticated", "admin-plaintext"])
    }

    @Test func highFindingsComeFirst() {
        let props = ServerProperties(Self.secure.merging(["bulwark.encryption.enabled": "false", "super.users": "User:*"]) { $1 })
        let severities = SecurityDoctor(props: props, mode: { _ in nil }).run().map(\.severity)
        #expect(severities == [.high, .medium])
    }
}
