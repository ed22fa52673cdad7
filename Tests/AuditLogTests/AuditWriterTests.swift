import Foundation
import Testing

@testable import AuditLog

@Suite struct AuditWriterTests {
    @Test func waitDurableReturnsOnceTheEventIsInTheSegment() async throws {
        let dir = AuditTempDirectory()
        let writer = try AuditLogWriter(config: AuditFixtures.config(dir), key: .generate())
        defer { writer.close() }
        let ticket = writer.record(AuditFixtures.event(1, result: .denied))
        try await writer.waitDurable(ticket)
        let stored = try AuditFixtures.all(dir.audit)
        #expect(stored.map(\.event) == [AuditFixtures.event(1, result: .denied)])
        #expect(stored.map(\.sequence) == [1])
    }

    @Test func eventsComeBackInOrderWithConsecutiveSequenceNumbersAcrossSegments() async throws {
        let dir = AuditTempDirectory()
        let key = AuditSigningKey.generate()
        let config = AuditFixtures.config(dir, segmentBytes: 4096)
        let events = (0..<200).map { AuditFixtures.event($0) }
        let writer = try AuditFixtures.flushOnlyWriter(config, key: key)
        for chunk in stride(from: 0, to: events.count, by: 40) {
            for e in events[chunk..<(chunk + 40)] { _ = writer.record(e) }
            try await writer.flush()
        }
        writer.close()
        let stored = try AuditFixtures.all(dir.audit)
        #expect(stored.filter { $0.event.kind != .auditLog }.map(\.event) == events)
        #expect(stored.filter { $0.event.kind == .auditLog }.map(\.event.action) == ["rotate", "rotate", "rotate", "rotate", "rotate"])
        let segments = try AuditLogDirectory.segments(in: dir.audit)
        #expect(segments.count == 6)
        let report = try AuditVerifier.verify(directory: dir.audit, publicKey: key.publicKey)
        #expect(report.isIntact)
        // 200 events + 5 rotation events; a checkpoint per flush and one at close.
        #expect(report.events == 205 && report.checkpoints == 6 && report.lastSignedSequence == report.lastSequence)
    }

    @Test func summarisationStoresIdenticalAllowedEventsOnceWithTheExactCount() async throws {
        let dir = AuditTempDirectory()
        var config = AuditFixtures.config(dir, raw: false)
        config.summaryWindowMilliseconds = 1000
        let clock = ManualClock(AuditFixtures.t0)
        let writer = try AuditLogWriter(config: config, key: .generate(), clock: clock.read)
        var allowed = AuditFixtures.event(1)
        for i in 0..<50 {
            allowed.time = AuditFixtures.t0 + Int64(i * 10)
            allowed.lastTime = allowed.time
            allowed.correlationId = Int32(i)
            _ = writer.record(allowed)
        }
        let denied = AuditFixtures.event(1, result: .denied)
        let d1 = writer.record(denied)
        let d2 = writer.record(denied)
        let admin = AuditEvent(kind: .admin, time: AuditFixtures.t0, principal: "User:root", resourceType: "topic",
                               resourceName: "orders", access: "create", action: "create-topic", after: "{\"partitions\":3}")
        _ = writer.record(admin)
        _ = writer.record(admin)
        try await writer.waitDurable(d1)
        try await writer.waitDurable(d2)
        try await writer.flush()
        writer.close()
        let stored = try AuditFixtures.all(dir.audit).map(\.event)
        let summaries = stored.filter { $0.result == .allowed && $0.kind == .authorization }
        #expect(summaries.count == 1)
        #expect(summaries.first?.count == 50)
        #expect(summaries.first?.time == AuditFixtures.t0 && summaries.first?.lastTime == AuditFixtures.t0 + 490)
        #expect(stored.filter { $0.result == .denied }.map(\.count) == [1, 1])
        #expect(stored.filter { $0.kind == .admin }.count == 2)
        #expect(writer.statistics.eventsSummarised == 50)
    }

    @Test func summariserWindowsAndKeys() {
        var s = AuditSummariser(window: 1000)
        var e = AuditFixtures.event(1, time: 0)
        for t in stride(from: Int64(0), to: 1000, by: 100) {
            e.time = t
            e.lastTime = t
            #expect(s.absorb(e).isEmpty)
        }
        var other = e
        other.connectionId = 77  // another connection: another aggregate
        #expect(s.absorb(other).isEmpty)
        #expect(s.due(now: 999).isEmpty)
        e.time = 1000
        e.lastTime = 1000
        let expired = s.absorb(e)  // outside the first window: the first aggregate comes out
        #expect(expired.map(\.count) == [10] && expired.map(\.lastTime) == [900])
        let due = s.due(now: 1900)
        #expect(due.map(\.count) == [1] && due.map(\.connectionId) == [77])
        #expect(s.drainAll().map(\.time) == [1000])
        #expect(s.nextDeadline == nil)
    }

    @Test func afterCloseFailClosedEventsFailAndFailOpenOnesDoNot() async throws {
        let dir = AuditTempDirectory()
        let writer = try AuditLogWriter(config: AuditFixtures.config(dir), key: .generate())
        writer.close()
        let denied = writer.record(AuditFixtures.event(1, result: .denied))
        let allowed = writer.record(AuditFixtures.event(2))
        #expect(denied.failClosed && !allowed.failClosed)
        await #expect(throws: AuditLogError.self) { try await writer.waitDurable(denied) }
        try await writer.waitDurable(allowed)
        #expect(writer.statistics.eventsLost == 2)
    }

    @Test func aLogSignedByAnotherKeyIsRefusedAtOpen() async throws {
        let dir = AuditTempDirectory()
        try await AuditFixtures.write([AuditFixtures.event(1)], config: AuditFixtures.config(dir), key: .generate())
        #expect {
            _ = try AuditLogWriter(config: AuditFixtures.config(dir), key: .generate())
        } throws: { ($0 as? AuditLogError)?.code == .badKey }
    }
}
