import Testing

@testable import AuditLog

@Suite struct AuditCodecTests {
    @Test func everyFieldSurvivesARoundTrip() throws {
        let event = AuditEvent(
            kind: .admin, time: 1_700_000_000_123, lastTime: 1_700_000_000_456, count: 3, principal: "User:alice",
            groups: ["ops", "dev"], tenant: "acme", resourceType: "topic", resourceName: "orders", access: "alter",
            apiName: "AlterConfigs", apiVersion: 2, result: .denied, policyId: "policy-7", policyVersion: 42,
            action: "alter-config", reason: "denied by policy-7", clientAddress: "2001:db8::1", clientPort: 40000,
            listener: "SASL_SSL", connectionId: 99, correlationId: -5, clientId: "rdkafka", mechanism: "SCRAM-SHA-512",
            tls: AuditTLS(protocolVersion: "TLSv1.3", cipherSuite: "TLS_AES_128_GCM_SHA256", peerSubject: "CN=alice"),
            before: "{\"retention.ms\":\"1\"}", after: "{\"retention.ms\":\"2\"}")
        var bytes: [UInt8] = []
        AuditRecordCodec.appendEventBody(event, sequence: 17, to: &bytes)
        let decoded = try bytes.withUnsafeBytes { try AuditRecordCodec.decodeEvent($0) }
        #expect(decoded == AuditRecord(sequence: 17, event: event))
        let raw = try #require(try bytes.withUnsafeBytes { try AuditRawEvent.parse($0) }.map {
            (String(decoding: $0.principal, as: UTF8.self), String(decoding: $0.resourceName, as: UTF8.self), $0.sequence)
        })
        #expect(raw.0 == "User:alice" && raw.1 == "orders" && raw.2 == 17)
    }

    @Test func truncatedOrGarbageBodiesAreErrorsNotCrashes() throws {
        var bytes: [UInt8] = []
        AuditRecordCodec.appendEventBody(AuditFixtures.event(1), sequence: 1, to: &bytes)
        for cut in stride(from: 0, to: bytes.count - 1, by: 7) {
            let prefix = Array(bytes[0..<cut])
            #expect(throws: AuditLogError.self) { try prefix.withUnsafeBytes { try AuditRecordCodec.decodeEvent($0) } }
        }
        var rng = SeededRandom(state: 3)
        for _ in 0..<2000 {
            var mutated = bytes
            let i = Int.random(in: 0..<mutated.count, using: &rng)
            mutated[i] = UInt8.random(in: 0...255, using: &rng)
            _ = try? mutated.withUnsafeBytes { try AuditRecordCodec.decodeEvent($0) }
            _ = try? mutated.withUnsafeBytes { try AuditRawEvent.parse($0) }
        }
    }

    @Test func longFieldsAreCutSoARecordStaysBounded() throws {
        let huge = String(repeating: "x", count: 1 << 20)
        var event = AuditFixtures.event(1)
        event.reason = huge
        event.after = huge
        var bytes: [UInt8] = []
        AuditRecordCodec.appendEventBody(event, sequence: 1, to: &bytes)
        let decoded = try bytes.withUnsafeBytes { try AuditRecordCodec.decodeEvent($0) }
        #expect(decoded.event.reason.utf8.count == AuditRecordCodec.stringLimit)
        #expect(decoded.event.after.utf8.count == AuditRecordCodec.changeLimit)
        #expect(bytes.count < AuditRecordCodec.maxBodySize)
    }

    @Test func globAndCidrMatching() throws {
        #expect(AuditGlob.matches("orders*", "orders-eu"))
        #expect(AuditGlob.matches("orders*", "orders"))
        #expect(!AuditGlob.matches("orders*", "payments"))
        #expect(AuditGlob.matches("*-eu", "orders-eu"))
        #expect(AuditGlob.matches("o?ders", "orders"))
        #expect(!AuditGlob.matches("orders", "orders-eu"))
        let net = try AuditCIDR("10.1.0.0/16")
        #expect(net.contains("10.1.2.3") && !net.contains("10.2.0.1") && !net.contains("2001:db8::1"))
        #expect(try AuditCIDR("2001:db8::/32").contains("2001:db8::5"))
        #expect(try AuditCIDR("192.168.0.7").contains("192.168.0.7"))
        #expect(throws: AuditLogError.self) { try AuditCIDR("10.0.0.0/33") }
        #expect(throws: AuditLogError.self) { try AuditCIDR("not-an-ip") }
    }

    @Test func bloomHasNoFalseNegatives() {
        var bloom = AuditBloom()
        let names = (0..<300).map { "User:p\($0)" }
        for n in names { bloom.insert(AuditBloom.hash(n)) }
        #expect(names.allSatisfy { bloom.mayContain(AuditBloom.hash($0)) })
        let falsePositives = (0..<1000).filter { bloom.mayContain(AuditBloom.hash("User:other\($0)")) }.count
        #expect(falsePositives < 150)
    }
}
