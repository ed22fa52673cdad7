import Foundation
import Testing
@testable import PolicyEngine

@Suite struct EvaluatorTests {
    let policies = [
        Fixture.topicPolicy(id: 1, topics: ["orders"], items: [Fixture.item(users: ["alice"], ["consume"])]),
        Fixture.topicPolicy(id: 2, topics: ["audit*"], items: [Fixture.item(users: ["alice"], ["consume"])],
                            more: #", "isAuditEnabled": false, "version": 9"#),
    ]

    @Test func batchAnswersInOrderAndCaches() throws {
        let evaluator = PolicyEvaluator(snapshot: try Fixture.snapshot(policies, version: 5))
        let requests: [AccessRequest] = [.kafka(.topic, "orders", .read), .kafka(.topic, "audit-log", .read), .kafka(.topic, "x", .read)]
        let first = evaluator.authorize(requests, principal: Principal(user: "alice"), clientAddress: "1.2.3.4")
        #expect(first.map(\.isAllowed) == [true, true, false])
        #expect(first.map(\.policyId) == [1, 2, nil])
        #expect(first[1].policyVersion == 9)
        #expect(first.allSatisfy { $0.snapshotVersion == 5 })
        #expect(evaluator.cachedDecisionCount == 3)
        #expect(evaluator.authorize(requests, principal: Principal(user: "alice"), clientAddress: "1.2.3.4") == first)
        #expect(evaluator.cachedDecisionCount == 3)
    }

    @Test func auditFlagsFollowPolicyAndAuditMode() throws {
        let evaluator = PolicyEvaluator(snapshot: try Fixture.snapshot(policies))
        let d = evaluator.authorize([.kafka(.topic, "orders", .read), .kafka(.topic, "audit-log", .read), .kafka(.topic, "none", .read)],
                                    principal: Principal(user: "alice"), clientAddress: nil)
        #expect(d.map(\.isAudited) == [true, false, false])
        let all = PolicyEvaluator(snapshot: try Fixture.snapshot(policies, extra: #", "auditMode": "audit-all""#))
        #expect(all.authorize([.kafka(.topic, "none", .read)], principal: Principal(user: "alice"), clientAddress: nil)[0].isAudited)
        let none = PolicyEvaluator(snapshot: try Fixture.snapshot(policies, extra: #", "auditMode": "audit-none""#))
        #expect(!none.authorize([.kafka(.topic, "orders", .read)], principal: Principal(user: "alice"), clientAddress: nil)[0].isAudited)
    }

    @Test func clockDependentDecisionsAreNotCached() throws {
        let scheduled = Fixture.topicPolicy(id: 1, topics: ["orders"], items: [Fixture.item(users: ["alice"], ["consume"])],
                                            more: #", "validitySchedules": [{"endTime": "2026/01/01 13:00:00"}]"#)
        let evaluator = PolicyEvaluator(snapshot: try Fixture.snapshot([scheduled]))
        let request = [AccessRequest.kafka(.topic, "orders", .read)]
        #expect(evaluator.authorize(request, principal: Principal(user: "alice"), clientAddress: nil, now: Fixture.noon)[0].isAllowed)
        #expect(!evaluator.authorize(request, principal: Principal(user: "alice"), clientAddress: nil,
                                     now: Fixture.noon.addingTimeInterval(7200))[0].isAllowed)
        #expect(evaluator.cachedDecisionCount == 0)
    }

    @Test func cacheIsBounded() throws {
        let evaluator = PolicyEvaluator(snapshot: try Fixture.snapshot(policies), cacheCapacity: 10)
        for i in 0..<25 {
            _ = evaluator.authorize([.kafka(.topic, "t\(i)", .read)], principal: Principal(user: "alice"), clientAddress: nil)
        }
        #expect(evaluator.cachedDecisionCount <= 10)
        #expect(evaluator.cachedDecisionCount > 0)
    }

    @Test func explainNamesTheDecidingPolicyAndTheOthers() throws {
        let deny = Fixture.topicPolicy(id: 3, topics: ["ord*"], deny: [Fixture.item(groups: ["interns"], ["consume"])])
        let evaluator = PolicyEvaluator(snapshot: try Fixture.snapshot(policies + [deny]))
        let e = evaluator.explain(.kafka(.topic, "orders", .read), principal: Principal(user: "alice", groups: ["interns"]), clientAddress: nil)
        #expect(!e.decision.isAllowed && e.decision.policyId == 3)
        #expect(e.decision.reason == "denied by policy 3 (p3), deny-item 0 (groups interns): consume on topic orders")
        #expect(e.steps.map(\.policyId) == [1, 3])
        #expect(e.steps[0].outcome == "ALLOWS by allow-item 0 (users alice)")
        #expect(e.groups == ["interns", "public"])
    }

    @Test func concurrentCallersAgree() async throws {
        let evaluator = PolicyEvaluator(snapshot: try Fixture.snapshot(policies))
        let results = await withTaskGroup(of: Bool.self) { group in
            for i in 0..<8 {
                group.addTask {
                    (0..<200).allSatisfy { j in
                        let d = evaluator.authorize([.kafka(.topic, j % 2 == 0 ? "orders" : "t\(i)-\(j)", .read)],
                                                    principal: Principal(user: "alice"), clientAddress: nil)[0]
                        return d.isAllowed == (j % 2 == 0)
                    }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results == Array(repeating: true, count: 8))
    }
}
