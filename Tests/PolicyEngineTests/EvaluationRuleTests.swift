import Foundation
import Testing
@testable import PolicyEngine

/// One rule of Ranger's evaluation, each with an allow and a deny case and the exact
/// deciding policy id (nil: the default deny or a super user).
struct RuleCase: Sendable, CustomTestStringConvertible {
    var name: String
    var policies: [String]
    var extra = ""
    var principals: String? = nil
    var principal = Principal(user: "alice")
    var request = AccessRequest.kafka(.topic, "orders", .read)
    var address: String? = "10.1.2.3"
    var now = Fixture.noon
    var allowed: Bool
    var policyId: Int64?
    var testDescription: String { name }
}

private typealias F = Fixture

private let aliceConsumes = F.item(users: ["alice"], ["consume"])

let ruleCases: [RuleCase] = [
    // Users, groups, roles, public, {USER}
    RuleCase(name: "user item allows", policies: [F.topicPolicy(id: 1, topics: ["orders"], items: [aliceConsumes])], allowed: true, policyId: 1),
    RuleCase(name: "other user default-denied", policies: [F.topicPolicy(id: 1, topics: ["orders"], items: [aliceConsumes])],
             principal: Principal(user: "bob"), allowed: false, policyId: nil),
    RuleCase(name: "group from request", policies: [F.topicPolicy(id: 2, topics: ["orders"], items: [F.item(groups: ["analysts"], ["consume"])])],
             principal: Principal(user: "bob", groups: ["analysts"]), allowed: true, policyId: 2),
    RuleCase(name: "group from principals file", policies: [F.topicPolicy(id: 2, topics: ["orders"], items: [F.item(groups: ["analysts"], ["consume"])])],
             principals: #"{"userGroups": {"bob": ["analysts"]}}"#, principal: Principal(user: "bob"), allowed: true, policyId: 2),
    RuleCase(name: "group not held", policies: [F.topicPolicy(id: 2, topics: ["orders"], items: [F.item(groups: ["analysts"], ["consume"])])],
             principal: Principal(user: "bob", groups: ["sales"]), allowed: false, policyId: nil),
    RuleCase(name: "public group is everyone", policies: [F.topicPolicy(id: 3, topics: ["orders"], items: [F.item(groups: ["public"], ["consume"])])],
             principal: Principal(user: "anyone"), allowed: true, policyId: 3),
    RuleCase(name: "{USER} item is any user", policies: [F.topicPolicy(id: 4, topics: ["orders"], items: [F.item(users: ["{USER}"], ["consume"])])],
             principal: Principal(user: "zed"), allowed: true, policyId: 4),
    RuleCase(name: "{USER} in a resource value is the requester", policies: [F.topicPolicy(id: 5, topics: ["home-{USER}"], items: [F.item(groups: ["public"], ["publish"])])],
             request: .kafka(.topic, "home-alice", .write), allowed: true, policyId: 5),
    RuleCase(name: "{USER} in a resource value is not someone else", policies: [F.topicPolicy(id: 5, topics: ["home-{USER}"], items: [F.item(groups: ["public"], ["publish"])])],
             request: .kafka(.topic, "home-bob", .write), allowed: false, policyId: nil),
    RuleCase(name: "nested role", policies: [F.topicPolicy(id: 6, topics: ["orders"], items: [F.item(roles: ["auditors"], ["consume"])])],
             principals: #"{"rangerRoles": [{"name": "auditors", "roles": [{"name": "juniors"}]}, {"name": "juniors", "groups": [{"name": "interns"}]}]}"#,
             principal: Principal(user: "ivy", groups: ["interns"]), allowed: true, policyId: 6),
    RuleCase(name: "role not held", policies: [F.topicPolicy(id: 6, topics: ["orders"], items: [F.item(roles: ["auditors"], ["consume"])])],
             principals: #"{"rangerRoles": [{"name": "auditors", "users": [{"name": "carol"}]}]}"#,
             principal: Principal(user: "ivy"), allowed: false, policyId: nil),
    RuleCase(name: "role given by the caller", policies: [F.topicPolicy(id: 6, topics: ["orders"], items: [F.item(roles: ["auditors"], ["consume"])])],
             principal: Principal(user: "ivy", roles: ["auditors"]), allowed: true, policyId: 6),

    // Priority, deny, exceptions, isDenyAllElse, isEnabled
    RuleCase(name: "deny beats allow at equal priority", policies: [
        F.topicPolicy(id: 1, topics: ["orders"], items: [aliceConsumes]),
        F.topicPolicy(id: 2, topics: ["ord*"], deny: [aliceConsumes])], allowed: false, policyId: 2),
    RuleCase(name: "higher-priority allow beats a normal deny", policies: [
        F.topicPolicy(id: 1, topics: ["orders"], priority: 1, items: [aliceConsumes]),
        F.topicPolicy(id: 2, topics: ["ord*"], deny: [aliceConsumes])], allowed: true, policyId: 1),
    RuleCase(name: "higher-priority deny beats a normal allow", policies: [
        F.topicPolicy(id: 1, topics: ["orders"], items: [aliceConsumes]),
        F.topicPolicy(id: 2, topics: ["ord*"], priority: 1, deny: [aliceConsumes])], allowed: false, policyId: 2),
    RuleCase(name: "allow exception cancels the allow", policies: [
        F.topicPolicy(id: 1, topics: ["orders"], items: [F.item(groups: ["public"], ["consume"])], allowExceptions: [aliceConsumes])],
             allowed: false, policyId: nil),
    RuleCase(name: "allow exception spares others", policies: [
        F.topicPolicy(id: 1, topics: ["orders"], items: [F.item(groups: ["public"], ["consume"])], allowExceptions: [aliceConsumes])],
             principal: Principal(user: "bob"), allowed: true, policyId: 1),
    RuleCase(name: "deny exception cancels the deny", policies: [
        F.topicPolicy(id: 1, topics: ["orders"], items: [aliceConsumes]),
        F.topicPolicy(id: 2, topics: ["*"], deny: [F.item(groups: ["public"], ["consume"])], denyExceptions: [aliceConsumes])],
             allowed: true, policyId: 1),
    RuleCase(name: "deny exception spares only its principals", policies: [
        F.topicPolicy(id: 1, topics: ["orders"], items: [F.item(groups: ["public"], ["consume"])]),
        F.topicPolicy(id: 2, topics: ["*"], deny: [F.item(groups: ["public"], ["consume"])], denyExceptions: [aliceConsumes])],
             principal: Principal(user: "bob"), allowed: false, policyId: 2),
    RuleCase(name: "isDenyAllElse denies the unlisted", policies: [
        F.topicPolicy(id: 7, topics: ["orders"], items: [aliceConsumes], more: #", "isDenyAllElse": true"#),
        F.topicPolicy(id: 8, topics: ["*"], items: [F.item(groups: ["public"], ["consume"])])],
             principal: Principal(user: "bob"), allowed: false, policyId: 7),
    RuleCase(name: "isDenyAllElse allows the listed", policies: [
        F.topicPolicy(id: 7, topics: ["orders"], items: [aliceConsumes], more: #", "isDenyAllElse": true"#)],
             allowed: true, policyId: 7),
    RuleCase(name: "disabled policy is skipped", policies: [
        F.topicPolicy(id: 1, topics: ["orders"], items: [aliceConsumes], more: #", "isEnabled": false"#)], allowed: false, policyId: nil),
    RuleCase(name: "disabled deny is skipped", policies: [
        F.topicPolicy(id: 1, topics: ["orders"], items: [aliceConsumes]),
        F.topicPolicy(id: 2, topics: ["orders"], deny: [aliceConsumes], more: #", "isEnabled": false"#)], allowed: true, policyId: 1),

    // Resources: wildcards, case, excludes, additionalResources, implied grants
    RuleCase(name: "star wildcard", policies: [F.topicPolicy(id: 1, topics: ["ord*"], items: [aliceConsumes])], allowed: true, policyId: 1),
    RuleCase(name: "question wildcard is one character", policies: [F.topicPolicy(id: 1, topics: ["order?"], items: [aliceConsumes])], allowed: true, policyId: 1),
    RuleCase(name: "question wildcard is not two", policies: [F.topicPolicy(id: 1, topics: ["orde?"], items: [aliceConsumes])], allowed: false, policyId: nil),
    RuleCase(name: "Kafka names are case-sensitive", policies: [F.topicPolicy(id: 1, topics: ["Orders"], items: [aliceConsumes])], allowed: false, policyId: nil),
    RuleCase(name: "isExcludes matches the others", policies: [F.topicPolicy(id: 1, topics: ["secret*"], excludes: true, items: [aliceConsumes])], allowed: true, policyId: 1),
    RuleCase(name: "isExcludes leaves out its values", policies: [F.topicPolicy(id: 1, topics: ["ord*"], excludes: true, items: [aliceConsumes])], allowed: false, policyId: nil),
    RuleCase(name: "additionalResources widen the policy", policies: [
        F.topicPolicy(id: 9, topics: ["payments"], items: [aliceConsumes], more: #", "additionalResources": [{"topic": {"values": ["orders"]}}]"#)],
             allowed: true, policyId: 9),
    RuleCase(name: "consume implies describe", policies: [F.topicPolicy(id: 1, topics: ["orders"], items: [aliceConsumes])],
             request: .kafka(.topic, "orders", .describe), allowed: true, policyId: 1),
    RuleCase(name: "describe does not imply consume", policies: [F.topicPolicy(id: 1, topics: ["orders"], items: [F.item(users: ["alice"], ["describe"])])],
             allowed: false, policyId: nil),
    RuleCase(name: "kafka_admin implies alter_configs", policies: [F.topicPolicy(id: 1, topics: ["*"], items: [F.item(users: ["alice"], ["kafka_admin"])])],
             request: .kafka(.topic, "orders", .alterConfigs), allowed: true, policyId: 1),

    // Conditions
    RuleCase(name: "ip-range CIDR inside", policies: [F.topicPolicy(id: 1, topics: ["orders"], items: [F.item(users: ["alice"], ["consume"], conditions: #"{"type": "ip-range", "values": ["10.0.0.0/8"]}"#)])],
             allowed: true, policyId: 1),
    RuleCase(name: "ip-range CIDR outside", policies: [F.topicPolicy(id: 1, topics: ["orders"], items: [F.item(users: ["alice"], ["consume"], conditions: #"{"type": "ip-range", "values": ["10.0.0.0/8"]}"#)])],
             address: "192.168.1.1", allowed: false, policyId: nil),
    RuleCase(name: "ip-range Ranger wildcard inside", policies: [F.topicPolicy(id: 1, topics: ["orders"], items: [F.item(users: ["alice"], ["consume"], conditions: #"{"type": "ip-range", "values": ["10.1.*"]}"#)])],
             allowed: true, policyId: 1),
    RuleCase(name: "ip-range Ranger wildcard outside", policies: [F.topicPolicy(id: 1, topics: ["orders"], items: [F.item(users: ["alice"], ["consume"], conditions: #"{"type": "ip-range", "values": ["10.1.*"]}"#)])],
             address: "10.2.0.1", allowed: false, policyId: nil),
    RuleCase(name: "ip-range without a client address fails", policies: [F.topicPolicy(id: 1, topics: ["orders"], items: [F.item(users: ["alice"], ["consume"], conditions: #"{"type": "ip-range", "values": ["*"]}"#)])],
             address: nil, allowed: false, policyId: nil),
    RuleCase(name: "policy-level condition holds", policies: [F.topicPolicy(id: 1, topics: ["orders"], items: [aliceConsumes], more: #", "conditions": [{"type": "ip-range", "values": ["10.1.2.3"]}]"#)],
             allowed: true, policyId: 1),
    RuleCase(name: "policy-level condition fails", policies: [F.topicPolicy(id: 1, topics: ["orders"], items: [aliceConsumes], more: #", "conditions": [{"type": "ip-range", "values": ["10.1.2.4"]}]"#)],
             allowed: false, policyId: nil),

    // Validity schedules (noon UTC on Thursday 2026-01-01)
    RuleCase(name: "inside the validity window", policies: [F.topicPolicy(id: 1, topics: ["orders"], items: [aliceConsumes],
             more: #", "validitySchedules": [{"startTime": "2026/01/01 00:00:00", "endTime": "2026/01/02 00:00:00", "timeZone": "UTC"}]"#)],
             allowed: true, policyId: 1),
    RuleCase(name: "after the validity window (time zone ahead)", policies: [F.topicPolicy(id: 1, topics: ["orders"], items: [aliceConsumes],
             more: #", "validitySchedules": [{"startTime": "2026/01/01 00:00:00", "endTime": "2026/01/01 20:00:00", "timeZone": "Asia/Tokyo"}]"#)],
             allowed: false, policyId: nil),
    RuleCase(name: "recurrence: working hours Monday-Friday", policies: [F.topicPolicy(id: 1, topics: ["orders"], items: [aliceConsumes],
             more: #", "validitySchedules": [{"timeZone": "UTC", "recurrences": [{"schedule": {"minute": "0", "hour": "9", "dayOfWeek": "2-6"}, "interval": {"hours": 8}}]}]"#)],
             allowed: true, policyId: 1),
    RuleCase(name: "recurrence: weekend only", policies: [F.topicPolicy(id: 1, topics: ["orders"], items: [aliceConsumes],
             more: #", "validitySchedules": [{"timeZone": "UTC", "recurrences": [{"schedule": {"minute": "0", "hour": "0", "dayOfWeek": "1,7"}, "interval": {"days": 1}}]}]"#)],
             allowed: false, policyId: nil),

    // Super users
    RuleCase(name: "super user beats a deny", policies: [F.topicPolicy(id: 2, topics: ["*"], deny: [F.item(groups: ["public"], ["consume"])])],
             principals: #"{"superUsers": ["alice"]}"#, allowed: true, policyId: nil),
    RuleCase(name: "super group", policies: [], principals: #"{"superGroups": ["ops"], "userGroups": {"alice": ["ops"]}}"#, allowed: true, policyId: nil),
    RuleCase(name: "not a super user", policies: [], principals: #"{"superUsers": ["admin"]}"#, allowed: false, policyId: nil),

    // Security zones
    RuleCase(name: "zone policy applies inside its zone", policies: [F.topicPolicy(id: 1, topics: ["*"], items: [F.item(users: ["bob"], ["consume"])])],
             extra: #", "securityZones": {"finance": {"resources": [{"topic": ["fin-*"]}], "policies": [\#(F.topicPolicy(id: 20, topics: ["*"], items: [aliceConsumes]))]}}"#,
             request: .kafka(.topic, "fin-ledger", .read), allowed: true, policyId: 20),
    RuleCase(name: "unzoned policies do not reach into a zone", policies: [F.topicPolicy(id: 1, topics: ["*"], items: [F.item(users: ["bob"], ["consume"])])],
             extra: #", "securityZones": {"finance": {"resources": [{"topic": ["fin-*"]}], "policies": [\#(F.topicPolicy(id: 20, topics: ["*"], items: [aliceConsumes]))]}}"#,
             principal: Principal(user: "bob"), request: .kafka(.topic, "fin-ledger", .read), allowed: false, policyId: nil),

    // KIP-679: IDEMPOTENT_WRITE on the cluster
    RuleCase(name: "publish on some topic allows idempotent writes", policies: [F.topicPolicy(id: 3, topics: ["orders"], items: [F.item(users: ["alice"], ["publish"])])],
             request: .kafka(.cluster, "kafka-cluster", .idempotentWrite), allowed: true, policyId: 3),
    RuleCase(name: "consume only does not allow idempotent writes", policies: [F.topicPolicy(id: 3, topics: ["orders"], items: [aliceConsumes])],
             request: .kafka(.cluster, "kafka-cluster", .idempotentWrite), allowed: false, policyId: nil),
    RuleCase(name: "publish denied on every topic: no idempotent writes", policies: [
        F.topicPolicy(id: 3, topics: ["orders"], items: [F.item(users: ["alice"], ["publish"])]),
        F.topicPolicy(id: 4, topics: ["*"], deny: [F.item(users: ["alice"], ["publish"])])],
             request: .kafka(.cluster, "kafka-cluster", .idempotentWrite), allowed: false, policyId: nil),
]

@Suite struct EvaluationRuleTests {
    @Test(arguments: ruleCases)
    func rule(_ c: RuleCase) throws {
        let snapshot = try Fixture.snapshot(c.policies, extra: c.extra, principals: c.principals, version: 42)
        let decision = PolicyEvaluator(snapshot: snapshot).authorize([c.request], principal: c.principal, clientAddress: c.address, now: c.now)[0]
        #expect(decision.isAllowed == c.allowed, "\(decision.reason)")
        #expect(decision.policyId == c.policyId, "\(decision.reason)")
        #expect(decision.snapshotVersion == 42)
    }
}
