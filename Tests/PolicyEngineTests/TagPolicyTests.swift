import Foundation
import Testing
@testable import PolicyEngine

private typealias F = Fixture

/// Tag-based policies: a deny for any tag is final, an allow for a tag decides, and with
/// no tag decision the resource policies do.
@Suite struct TagPolicyTests {
    /// Tag policies: PII is denied to everyone but the `privacy` group; FINANCE allows
    /// the `finance` group to consume.
    private let tagPolicies = #"""
    , "tagPolicies": {"serviceName": "tags", "policies": [
        {"id": 100, "name": "PII", "resources": {"tag": {"values": ["PII"]}},
         "denyPolicyItems": [{"groups": ["public"], "accesses": [{"type": "kafka:consume", "isAllowed": true}]}],
         "denyExceptions": [{"groups": ["privacy"], "accesses": [{"type": "kafka:consume", "isAllowed": true}]}]},
        {"id": 101, "name": "FINANCE", "resources": {"tag": {"values": ["FIN*"]}},
         "policyItems": [{"groups": ["finance"], "accesses": [{"type": "kafka:consume", "isAllowed": true}]}]}]}
    """#

    private let tagsFile = F.file("tags.json", #"""
    {"tags": {"1": {"type": "PII"}, "2": {"type": "FINANCE"}},
     "serviceResources": [{"id": 7, "resourceElements": {"topic": {"values": ["customers"]}}},
                          {"id": 8, "resourceElements": {"topic": {"values": ["ledger-*"]}}}],
     "resourceToTagIds": {"7": [1], "8": [2]}}
    """#)

    private func snapshot() throws -> PolicySnapshot {
        let resourcePolicies = [F.topicPolicy(id: 1, topics: ["*"], items: [F.item(users: ["alice"], ["consume"])])]
        return try PolicySnapshot.load(files: [F.kafka(resourcePolicies, extra: tagPolicies), tagsFile], version: 3)
    }

    private func decide(_ topic: String, _ principal: Principal, context: [String: String] = [:]) throws -> Decision {
        let request = AccessRequest(resource: ["topic": topic], accessType: "consume", context: context)
        return PolicyEvaluator(snapshot: try snapshot()).authorize([request], principal: principal, clientAddress: nil)[0]
    }

    @Test func aTagDenyBeatsAResourceAllow() throws {
        let d = try decide("customers", Principal(user: "alice"))
        #expect(!d.isAllowed)
        #expect(d.policyId == 100)
        #expect(d.reason.hasPrefix("tag PII: denied by"), "\(d.reason)")
    }

    @Test func aTagDenyExceptionLetsTheResourcePoliciesDecide() throws {
        let d = try decide("customers", Principal(user: "alice", groups: ["privacy"]))
        #expect(d.isAllowed)
        #expect(d.policyId == 1)
    }

    @Test func aTagAllowDecidesWhereNoResourcePolicyGrants() throws {
        let d = try decide("ledger-2026", Principal(user: "bob", groups: ["finance"]))
        #expect(d.isAllowed)
        #expect(d.policyId == 101)
        #expect(try !decide("ledger-2026", Principal(user: "bob")).isAllowed)
    }

    @Test func untaggedResourcesAreDecidedByResourcePolicies() throws {
        #expect(try decide("orders", Principal(user: "alice")).policyId == 1)
        #expect(try !decide("orders", Principal(user: "bob", groups: ["finance"])).isAllowed)
    }

    @Test func tagsFromTheRequestContext() throws {
        let pii = #"[{"type": "PII", "attributes": {}}]"#
        let d = try decide("orders", Principal(user: "alice"), context: ["TAGS": pii])
        #expect(!d.isAllowed)
        #expect(d.policyId == 100)
        let broken = try decide("orders", Principal(user: "alice"), context: ["TAGS": "[{"])
        #expect(!broken.isAllowed)
        #expect(broken.policyId == nil)
        #expect(broken.reason.contains("TAGS cannot be read"))
    }

    @Test func tagPolicyErrorsArePrecise() throws {
        let badAccess = #", "tagPolicies": {"policies": [{"id": 5, "resources": {"tag": {"values": ["PII"]}}, "policyItems": [{"users": ["a"], "accesses": [{"type": "consume", "isAllowed": true}]}]}]}"#
        #expect(throws: PolicyLoadError.self) { try PolicySnapshot.load(files: [F.kafka([], extra: badAccess)], version: 1) }
        let unknownTag = F.file("tags.json", #"{"tags": {}, "serviceResources": [{"id": 1, "resourceElements": {"topic": {"values": ["x"]}}}], "resourceToTagIds": {"1": [9]}}"#)
        do {
            _ = try PolicySnapshot.load(files: [unknownTag], version: 1)
            Issue.record("loaded a tags file naming an unknown tag")
        } catch {
            #expect("\(error)".contains("tag id 9 is not in tags"), "\(error)")
        }
    }
}
