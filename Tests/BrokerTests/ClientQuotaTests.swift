import Foundation
@testable import Broker
import Testing

@Suite struct RateSamplerTests {
    @Test func aBurstAtStartIsSpreadOverTheMinimumWindow() {
        var s = RateSampler(samples: 11, windowMs: 1000)
        s.record(10_000, nowMs: 0)
        // Ten full windows at least: 10 000 bytes / 10 s.
        #expect(s.rate(nowMs: 0) == 1000)
        #expect(s.windowLengthMs(nowMs: 500) == 10_500)
    }

    @Test func samplesOlderThanTheWholeWindowAreForgotten() {
        var s = RateSampler(samples: 3, windowMs: 1000)
        s.record(4000, nowMs: 0)
        s.record(1000, nowMs: 1000)
        s.record(1000, nowMs: 2000)
        // At 3000 the first sample (started at 0) is 3 windows old: dropped.
        #expect(s.rate(nowMs: 3000) == 2000.0 / 2.0)
        s.record(500, nowMs: 3000)  // reuses the oldest slot
        #expect(s.rate(nowMs: 3000) == 2500.0 / 2.0)
    }

    @Test func throttleIsTheTimeToFallBackToTheBound() {
        var s = RateSampler(samples: 11, windowMs: 1000)
        s.record(200_000, nowMs: 0)  // 20 000/s over the 10 s minimum window
        // Kafka: (rate − bound) / bound × window = (20 000 − 10 000) / 10 000 × 10 000 ms.
        #expect(s.throttleMs(bound: 10_000, nowMs: 0) == 10_000)
        #expect(s.throttleMs(bound: 20_000, nowMs: 0) == 0)
        // Never more than the whole window; a zero quota earns exactly that.
        #expect(s.throttleMs(bound: 1, nowMs: 0) == 11_000)
        #expect(s.throttleMs(bound: 0, nowMs: 0) == 11_000)
    }
}

@Suite struct ClientQuotaPrecedenceTests {
    typealias E = QuotaEntity

    /// Every level of Kafka's order set, each with a distinct value; removing the most
    /// specific one at a time must reveal the next.
    @Test func kafkasOrderMostSpecificFirst() {
        let levels: [E] = [
            E(user: .named("alice"), clientId: .named("app")),
            E(user: .named("alice"), clientId: .defaultName),
            E(user: .named("alice")),
            E(user: .defaultName, clientId: .named("app")),
            E(user: .defaultName, clientId: .defaultName),
            E(user: .defaultName),
            E(clientId: .named("app")),
            E(clientId: .defaultName),
        ]
        var quotas = ClientQuotas()
        for (i, entity) in levels.enumerated() { quotas[entity] = ["producer_byte_rate": Double(i + 1)] }
        for (i, entity) in levels.enumerated() {
            #expect(quotas.governing(.producerByteRate, user: "alice", clientId: "app")?.bound == Double(i + 1), "level \(entity)")
            quotas[entity] = [:]
        }
        #expect(quotas.governing(.producerByteRate, user: "alice", clientId: "app") == nil)
    }

    @Test func eachKeyIsLookedUpOnItsOwn() {
        var quotas = ClientQuotas()
        quotas[E(user: .named("alice"))] = ["consumer_byte_rate": 5]
        quotas[E(clientId: .defaultName)] = ["producer_byte_rate": 7]
        #expect(quotas.governing(.consumerByteRate, user: "alice", clientId: "x")?.bound == 5)
        #expect(quotas.governing(.producerByteRate, user: "alice", clientId: "x")?.bound == 7)
        #expect(quotas.governing(.consumerByteRate, user: "bob", clientId: "x") == nil)
    }

    @Test func aUserQuotaIsSharedByItsClientsButADefaultIsPerClient() {
        var ledger = QuotaLedger(samples: 11, windowMs: 1000)
        ledger.quotas[E(user: .named("alice"))] = ["producer_byte_rate": 1000]
        ledger.quotas[E(clientId: .defaultName)] = ["producer_byte_rate": 1000]
        // alice: 10 000 bytes fill her 10 s allowance; a second client id of hers is over it.
        #expect(ledger.record(.producerByteRate, user: "alice", clientId: "a", amount: 10_000, nowMs: 0) == 0)
        #expect(ledger.record(.producerByteRate, user: "alice", clientId: "b", amount: 1000, nowMs: 0) == 1000)
        // bob falls to clients/<default>: each client id is measured on its own.
        #expect(ledger.record(.producerByteRate, user: "bob", clientId: "a", amount: 10_000, nowMs: 0) == 0)
        #expect(ledger.record(.producerByteRate, user: "bob", clientId: "b", amount: 10_000, nowMs: 0) == 0)
        // Unrecording takes a throttled amount back.
        ledger.unrecord(.producerByteRate, user: "alice", clientId: "b", amount: 1000, nowMs: 0)
        #expect(ledger.record(.producerByteRate, user: "alice", clientId: "b", amount: 0, nowMs: 0) == 0)
        #expect(ledger.maxInWindow(.producerByteRate, user: "alice", clientId: "b") == 10_000)
        #expect(ledger.maxInWindow(.consumerByteRate, user: "alice", clientId: "b") == nil)
    }
}

@Suite struct ClientQuotaValidationTests {
    @Test func entities() throws {
        #expect(try QuotaValidation.entity([("user", "alice"), ("client-id", nil)]).get()
            == QuotaEntity(user: .named("alice"), clientId: .defaultName))
        for bad: [(type: String, name: String?)] in [[], [("user", "a"), ("user", "b")], [("group", "g")],
                                                    [("ip", "10.0.0.1"), ("user", "a")], [("ip", "not-an-ip")], [("user", "")]] {
            #expect(throws: QuotaRequestError.self) { try QuotaValidation.entity(bad).get() }
        }
        #expect(try QuotaValidation.entity([("ip", "::1")]).get() == QuotaEntity(ip: .named("::1")))
    }

    @Test func values() throws {
        let user = QuotaEntity(user: .named("alice"))
        #expect(try QuotaValidation.value("producer_byte_rate", 1024, for: user).get() == .producerByteRate)
        #expect(try QuotaValidation.value("request_percentage", 12.5, for: user).get() == .requestPercentage)
        for (key, value) in [("producer_byte_rate", -1.0), ("producer_byte_rate", 1.5), ("no_such_key", 1.0),
                             ("consumer_byte_rate", Double.nan), ("connection_creation_rate", 5.0)] {
            #expect(throws: QuotaRequestError.self) { try QuotaValidation.value(key, value, for: user).get() }
        }
        #expect(try QuotaValidation.value("connection_creation_rate", 5, for: QuotaEntity(ip: .defaultName)).get() == .connectionCreationRate)
    }

    @Test func filters() throws {
        let entities = [QuotaEntity(user: .named("alice")), QuotaEntity(user: .named("alice"), clientId: .named("app")),
                        QuotaEntity(user: .defaultName), QuotaEntity(clientId: .named("app"))]
        func run(_ parts: [(type: String, matchType: Int8, match: String?)], strict: Bool) throws -> [String] {
            let f = try QuotaFilter.parse(parts, strict: strict).get()
            return entities.filter(f.matches).map(\.description)
        }
        #expect(try run([("user", 0, "alice")], strict: false) == ["users/alice", "users/alice/clients/app"])
        #expect(try run([("user", 0, "alice")], strict: true) == ["users/alice"])
        #expect(try run([("user", 1, nil)], strict: false) == ["users/<default>"])
        #expect(try run([("user", 2, nil)], strict: true) == ["users/alice", "users/<default>"])
        #expect(try run([], strict: false).count == 4)
        #expect(throws: QuotaRequestError.self) { try QuotaFilter.parse([("user", 0, nil)], strict: false).get() }
        #expect(throws: QuotaRequestError.self) { try QuotaFilter.parse([("user", 3, nil)], strict: false).get() }
        #expect(throws: QuotaRequestError.self) { try QuotaFilter.parse([("topic", 2, nil)], strict: false).get() }
    }

    @Test func storedQuotasSurviveARestart() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("quotas-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try QuotaManager(dataDirectory: dir)
        _ = try first.update { $0[QuotaEntity(user: .defaultName, clientId: .named("app"))] = ["producer_byte_rate": 2048] }
        let second = try QuotaManager(dataDirectory: dir)
        #expect(second.quotas == first.quotas)
        #expect(second.quotas.governing(.producerByteRate, user: "x", clientId: "app")?.bound == 2048)
        let mode = try FileManager.default.attributesOfItem(atPath: dir + "/meta/quotas.json")[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }
}
