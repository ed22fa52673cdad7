import Foundation
import Testing

@testable import AuditLog

@Suite struct AuditRecordSummaryTests {
    @Test func aRecordSummaryIsStoredWithItsCountsAndNeverMerged() async throws {
        let dir = AuditTempDirectory()
        var config = AuditFixtures.config(dir, raw: false)  // summarised mode for every kind
        config.summaryWindowMilliseconds = 60_000
        let summary = AuditRecordSummary(topic: "orders", partition: 2, access: "read", policyId: "pii-mask",
                                         policyVersion: 7, returned: 10, filtered: 3, masked: 2, maskedFields: ["ssn", "email"])
        var event = AuditEvent(recordSummary: summary, time: AuditFixtures.t0)
        event.principal = "User:alice"
        event.apiName = "Fetch"
        event.connectionId = 5
        #expect(!config.isSummarisable(event))
        let writer = try AuditLogWriter(config: config, key: .generate())
        let first = writer.record(event)
        let second = writer.record(event)  // identical: still stored twice, each with its counts
        try await writer.waitDurable(first)
        try await writer.waitDurable(second)
        writer.close()
        var query = AuditQuery()
        query.kind = .recordSummary
        var stored: [AuditRecord] = []
        try AuditLogReader(directory: dir.audit).query(query) { stored.append($0); return true }
        #expect(stored.map(\.event) == [event, event])
        let e = try #require(stored.first?.event)
        #expect((e.resourceType, e.resourceName, e.access, e.policyId, e.policyVersion, e.count) == ("topic", "orders", "read", "pii-mask", 7, 1))
        #expect(e.after == #"{"partition":2,"returned":10,"filtered":3,"masked":2,"maskedFields":["ssn","email"]}"#)
        #expect(e.reason == "partition 2: 10 record(s) returned, 3 filtered, 2 masked (ssn, email)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(e.after.utf8)) as? [String: Any])
        #expect(json["filtered"] as? Int == 3)
    }

    @Test func authenticationsAreNeverSummarisedSoEachIsDurableBeforeItsAnswer() {
        var config = AuditConfig(directory: "/nonexistent")
        config.modes[.authentication] = .summarised
        let success = AuditEvent(kind: .authentication, time: 1, principal: "User:alice", mechanism: "SCRAM-SHA-256")
        #expect(!config.isSummarisable(success))
        #expect(config.isSummarisable(AuditEvent(kind: .authorization, time: 1, principal: "User:alice")))
    }
}
