import Foundation
import Testing

@testable import AuditLog

@Suite struct AuditQueryTests {
    @Test func queryAgreesWithABruteForceFilterOverSeededRandomEvents() async throws {
        let dir = AuditTempDirectory(), key = AuditSigningKey.generate()
        var rng = SeededRandom(state: 42)
        var events: [AuditEvent] = []
        for i in 0..<6000 { events.append(AuditFixtures.random(&rng, time: AuditFixtures.t0 + Int64(i) * 1000)) }
        let writer = try AuditLogWriter(config: AuditFixtures.config(dir, segmentBytes: 200 << 10), key: key)
        for chunk in stride(from: 0, to: events.count, by: 500) {
            for e in events[chunk..<(chunk + 500)] { _ = writer.record(e) }
            try await writer.flush()
        }
        writer.close()
        let all = try AuditFixtures.all(dir.audit)
        #expect(all.filter { $0.event.kind != .auditLog }.map(\.event) == events)
        #expect(try AuditLogDirectory.segments(in: dir.audit).count >= 3)

        var checked = 0
        for _ in 0..<300 {
            var q = AuditQuery()
            if Bool.random(using: &rng) { q.principal = ["alice", "User:bob", "User:nobody"].randomElement(using: &rng)! }
            if Bool.random(using: &rng) { q.resource = ["topic:orders*", "orders", "group:payments", "*-eu", "topic:logs"].randomElement(using: &rng)! }
            if Int.random(in: 0..<3, using: &rng) == 0 { q.access = ["read", "write"].randomElement(using: &rng)! }
            if Bool.random(using: &rng) { q.result = Bool.random(using: &rng) ? .allowed : .denied }
            if Int.random(in: 0..<4, using: &rng) == 0 { q.policy = "p1" }
            if Int.random(in: 0..<4, using: &rng) == 0 { q.api = "Fetch" }
            if Int.random(in: 0..<4, using: &rng) == 0 { q.tenant = "acme" }
            if Int.random(in: 0..<4, using: &rng) == 0 { q.kind = .admin }
            if Int.random(in: 0..<3, using: &rng) == 0 { q.clientNetwork = try AuditCIDR(["10.1.0.0/16", "2001:db8::/32"].randomElement(using: &rng)!) }
            if Bool.random(using: &rng) {
                let a = AuditFixtures.t0 + Int64.random(in: 0..<6_000_000, using: &rng)
                q.since = a
                q.until = a + Int64.random(in: 0..<2_000_000, using: &rng)
            }
            let expected = all.filter { q.matches($0.event) }.map(\.sequence)
            var got: [UInt64] = []
            try AuditLogReader(directory: dir.audit).query(q) { got.append($0.sequence); return true }
            #expect(got == expected, "query \(q)")
            checked += expected.count
        }
        #expect(checked > 1000)
    }

    @Test func theIndexSkipsSegmentsAndBlocksOutsideTheFilter() async throws {
        let dir = AuditTempDirectory(), key = AuditSigningKey.generate()
        let clock = ManualClock(AuditFixtures.t0)
        let writer = try AuditLogWriter(config: AuditFixtures.config(dir, segmentBytes: 64 << 10), key: key, clock: clock.read)
        for chunk in 0..<10 {
            clock.advance(chunk == 0 ? 0 : 1_000_000 - 400)
            for i in 0..<400 {
                clock.advance(1)
                var e = AuditFixtures.event(i, time: clock.read())
                e.principal = "User:team\(chunk)"
                _ = writer.record(e)
            }
            try await writer.flush()
        }
        writer.close()
        var q = AuditQuery()
        q.principal = "team7"
        var got: [AuditRecord] = []
        let stats = try AuditLogReader(directory: dir.audit).query(q) { got.append($0); return true }
        #expect(got.count == 400 && got.allSatisfy { $0.event.principal == "User:team7" })
        #expect(stats.segments < 4 && stats.segmentsSkipped >= 7)

        var t = AuditQuery()
        t.since = AuditFixtures.t0 + 3_000_001
        t.until = AuditFixtures.t0 + 3_000_400  // the flush (and its rotation event) is at 3_000_400
        got.removeAll()
        let tStats = try AuditLogReader(directory: dir.audit).query(t) { got.append($0); return true }
        #expect(got.count == 399 && got.allSatisfy { $0.event.principal == "User:team3" }, "\(got.count) \(tStats) \(got.first.map { $0.event.time - AuditFixtures.t0 } ?? -1)")
        #expect(tStats.segments <= 2 && tStats.segmentsSkipped >= 8)
    }

    @Test func limitStopsTheScan() async throws {
        let dir = AuditTempDirectory(), key = AuditSigningKey.generate()
        try await AuditFixtures.write((0..<100).map { AuditFixtures.event($0) }, config: AuditFixtures.config(dir), key: key)
        var seen = 0
        try AuditLogReader(directory: dir.audit).query(AuditQuery()) { _ in seen += 1; return seen < 7 }
        #expect(seen == 7)
    }

    @Test func ocsfClassesAndFields() throws {
        let authz = AuditRecord(sequence: 5, event: AuditFixtures.event(2, result: .denied))
        let api = AuditOCSF.json(authz)
        #expect(api.hasPrefix("{\"class_uid\":6003,\"category_uid\":6,\"activity_id\":2,\"type_uid\":600302,"))
        #expect(api.contains("\"status_id\":2") && api.contains("\"uid\":\"5\"") && api.contains("\"name\":\"User:u2\""))
        #expect(api.contains("\"resources\":[{\"type\":\"topic\",\"name\":\"orders-2\"}]"))
        let authn = AuditRecord(sequence: 6, event: AuditEvent(kind: .authentication, time: 1, principal: "User:bob",
                                                               result: .allowed, clientAddress: "10.0.0.1", mechanism: "PLAIN"))
        let auth = AuditOCSF.json(authn)
        #expect(auth.hasPrefix("{\"class_uid\":3002,\"category_uid\":3,\"activity_id\":1,\"type_uid\":300201,"))
        #expect(auth.contains("\"auth_protocol\":\"PLAIN\"") && auth.contains("\"user\":{\"name\":\"User:bob\"}"))
        let data = try #require(api.data(using: .utf8))
        #expect((try JSONSerialization.jsonObject(with: data) as? [String: Any]) != nil)
        var tricky = authz
        tricky.event.reason = "quote \" backslash \\ newline \n control \u{01}"
        let json = AuditRecordFormat.json(tricky)
        let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect(parsed?["reason"] as? String == tricky.event.reason)
    }
}
