import Testing

@testable import Broker

@Suite struct OperationsSettingsTests {
    func parse(_ pairs: [String: String]) throws(ConfigError) -> BrokerConfig {
        try BrokerConfig.parse(ServerProperties(pairs)).0
    }

    @Test func defaultsAreOffAndDevelopment() throws {
        let (c, warnings) = try BrokerConfig.parse(ServerProperties([:]))
        #expect(c.operations.admin == nil)
        #expect(c.operations.mode == .development)
        #expect(c.operations.allowRoot == false)
        #expect(c.operations.logFormat == .text)
        #expect(c.operations.maxConnectionsPerIp == Int.max)
        #expect(warnings.isEmpty)
    }

    @Test func operationsKeysAreReadWithoutWarnings() throws {
        let (c, warnings) = try BrokerConfig.parse(ServerProperties([
            "bulwark.admin.listener": "http://127.0.0.1:9644",
            "bulwark.admin.token.file": "/etc/bulwark/admin.token",
            "bulwark.mode": "production",
            "bulwark.doctor.override": "encryption-off, audit-off",
            "bulwark.allow.root": "true",
            "bulwark.log.format": "json",
            "bulwark.log.level": "warning",
            "bulwark.log.level.storage": "debug",
            "max.connections": "100",
            "max.connections.per.ip": "5",
            "max.connections.per.ip.overrides": "127.0.0.2:1,10.0.0.9:50",
        ]))
        #expect(warnings.isEmpty)
        let o = c.operations
        #expect(o.admin?.host == "127.0.0.1")
        #expect(o.admin?.port == 9644)
        #expect(o.admin?.tls == nil)
        #expect(o.admin?.requiresAuthentication == true)
        #expect(o.mode == .production)
        #expect(o.doctorOverrides == ["encryption-off", "audit-off"])
        #expect(o.allowRoot)
        #expect(o.logFormat == .json)
        #expect(o.logLevel == .warning)
        #expect(o.subsystemLogLevels == ["storage": .debug])
        #expect(o.maxConnections == 100)
        #expect(o.connectionLimit(for: "127.0.0.1") == 5)
        #expect(o.connectionLimit(for: "127.0.0.2") == 1)
        #expect(o.connectionLimit(for: "10.0.0.9") == 50)
    }

    @Test(arguments: [
        ("bulwark.admin.listener", "127.0.0.1:9644"),
        ("bulwark.admin.listener", "http://127.0.0.1"),
        ("bulwark.admin.listener", "http://:9644"),
        ("bulwark.mode", "prod"),
        ("bulwark.allow.root", "yes"),
        ("bulwark.log.format", "xml"),
        ("bulwark.log.level", "loud"),
        ("bulwark.log.level.storage", "loud"),
        ("max.connections", "-1"),
        ("max.connections.per.ip", "many"),
        ("max.connections.per.ip.overrides", "127.0.0.1"),
        ("bulwark.shutdown.unready.delay.ms", "soon"),
    ])
    func badValuesNameTheirKey(key: String, value: String) {
        #expect(throws: ConfigError.self) { try parse([key: value]) }
        do {
            _ = try parse([key: value])
        } catch {
            #expect(error.key == key)
        }
    }

    @Test func basicCredentialsNeedBothHalves() {
        do {
            _ = try parse(["bulwark.admin.listener": "http://127.0.0.1:9644", "bulwark.admin.user": "prom"])
            Issue.record("accepted a user without a password file")
        } catch {
            #expect(error.key == "bulwark.admin.password.file")
        }
    }

    @Test func httpsAdminTakesTheAdminListenersTLSKeys() throws {
        let c = try parse(["bulwark.admin.listener": "https://[::1]:9644",
                           "listener.name.admin.ssl.keystore.location": "/etc/bulwark/admin.pem"])
        #expect(c.operations.admin?.host == "::1")
        #expect(c.operations.admin?.isLoopback == true)
        #expect(c.operations.admin?.tls?.keyStore == .pemFile(path: "/etc/bulwark/admin.pem"))
    }

    @Test func httpsAdminWithoutAKeyStoreIsRefused() {
        #expect(throws: ConfigError.self) { try parse(["bulwark.admin.listener": "https://127.0.0.1:9644"]) }
    }
}

@Suite struct ConnectionLimitsTests {
    @Test func perAddressLimitHoldsAndFreesOnRelease() {
        let limits = ConnectionLimits(total: 10, perAddress: { $0 == "127.0.0.2" ? 1 : 2 })
        #expect(limits.admit("127.0.0.1") == .admitted)
        #expect(limits.admit("127.0.0.1") == .admitted)
        #expect(limits.admit("127.0.0.1") == .overPerAddress)
        #expect(limits.admit("127.0.0.2") == .admitted)
        #expect(limits.admit("127.0.0.2") == .overPerAddress)
        limits.release("127.0.0.1")
        #expect(limits.admit("127.0.0.1") == .admitted)
        #expect(limits.open == 3)
    }

    @Test func totalLimitCountsEveryAddress() {
        let limits = ConnectionLimits(total: 2)
        #expect(limits.admit("a") == .admitted)
        #expect(limits.admit("b") == .admitted)
        #expect(limits.admit("c") == .overTotal)
        limits.release("a")
        #expect(limits.admit("c") == .admitted)
    }
}

@Suite struct ReadinessTests {
    @Test func readyOnlyWithEveryComponentAndNotWhenStopping() {
        let r = Readiness()
        #expect(r.missing == ["storage", "policies", "audit", "keys", "listeners"])
        for c in Readiness.Component.allCases where c != .listeners { r.set(c) }
        #expect(!r.isReady)
        #expect(r.missing == ["listeners"])
        r.set(.listeners)
        #expect(r.isReady)
        r.stopping()
        #expect(r.missing == ["stopping"])
    }

    @Test func anAuditLogThatStopsWritingMakesItUnready() {
        let r = Readiness()
        for c in Readiness.Component.allCases { r.set(c) }
        let writable = WritableFlag()
        r.watchAudit { writable.value }
        #expect(r.isReady)
        writable.value = false
        #expect(r.missing == ["audit"])
    }
}

final class WritableFlag: @unchecked Sendable {
    var value = true
}

@Suite struct LogHandlerTests {
    @Test func jsonStringsEscapeQuotesAndControlCharacters() {
        #expect(BulwarkLogHandler.quote("a\"b\\c\nd\u{01}") == "\"a\\\"b\\\\c\\nd\\u0001\"")
    }

    @Test func subsystemIsTheLabelWithoutThePrefix() {
        #expect(BulwarkLogHandler.subsystem(of: "bulwark") == "broker")
        #expect(BulwarkLogHandler.subsystem(of: "bulwark.storage") == "storage")
        #expect(BulwarkLogHandler.subsystem(of: "other") == "other")
    }
}
