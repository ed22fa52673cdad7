import Foundation
import Testing
@testable import PolicyEngine

@Suite struct KafkaAclTests {
    private func decide(_ acls: [KafkaAclBinding], _ request: AccessRequest, user: String = "alice",
                        address: String? = "10.0.0.5", policies: [String] = []) throws -> Decision {
        let snapshot = try Fixture.snapshot(policies, acls: acls)
        return PolicyEvaluator(snapshot: snapshot).authorize([request], principal: Principal(user: user), clientAddress: address)[0]
    }

    private func acl(_ op: KafkaOperation, _ permission: KafkaAclBinding.Permission = .allow, principal: String = "User:alice",
                     host: String = "*", type: KafkaResourceType = .topic, name: String = "orders",
                     pattern: KafkaAclBinding.PatternType = .literal) -> KafkaAclBinding {
        KafkaAclBinding(principal: principal, host: host, resourceType: type, resourceName: name, patternType: pattern,
                        operation: op, permission: permission)
    }

    @Test func literalAllowAndItsSourceAndId() throws {
        let d = try decide([acl(.read, .allow)], .kafka(.topic, "orders", .read))
        #expect(d.isAllowed && d.policyId == 1 && d.policySource == "kafka-acls")
        #expect(try !decide([acl(.read)], .kafka(.topic, "orders2", .read)).isAllowed)
    }

    @Test func denyWins() throws {
        let d = try decide([acl(.all), acl(.write, .deny)], .kafka(.topic, "orders", .write))
        #expect(!d.isAllowed && d.policyId == 2)
    }

    @Test func allImpliesEveryOperation() throws {
        for op in KafkaOperation.allCases where op != .all {
            #expect(try decide([acl(.all)], .kafka(.topic, "orders", op)).isAllowed, "\(op)")
        }
    }

    @Test func readImpliesDescribeButDenyReadDoesNotDenyDescribe() throws {
        #expect(try decide([acl(.read)], .kafka(.topic, "orders", .describe)).isAllowed)
        #expect(try !decide([acl(.read)], .kafka(.topic, "orders", .write)).isAllowed)
        let d = try decide([acl(.describe), acl(.read, .deny)], .kafka(.topic, "orders", .describe))
        #expect(d.isAllowed && d.policyId == 1)
        #expect(try decide([acl(.alterConfigs)], .kafka(.topic, "orders", .describeConfigs)).isAllowed)
        #expect(try !decide([acl(.describeConfigs)], .kafka(.topic, "orders", .alterConfigs)).isAllowed)
    }

    @Test func prefixedAndWildcardAndEveryone() throws {
        #expect(try decide([acl(.read, name: "ord", pattern: .prefixed)], .kafka(.topic, "orders", .read)).policyId == 1)
        #expect(try !decide([acl(.read, name: "ord", pattern: .prefixed)], .kafka(.topic, "xorders", .read)).isAllowed)
        #expect(try decide([acl(.read, principal: "User:*", name: "*")], .kafka(.topic, "x", .read), user: "bob").isAllowed)
        // A literal name is literal: a group called `a*` does not match `ab`.
        #expect(try !decide([acl(.read, type: .group, name: "a*")], .kafka(.group, "ab", .read)).isAllowed)
        #expect(try decide([acl(.read, type: .group, name: "a*")], .kafka(.group, "a*", .read)).isAllowed)
    }

    @Test func hostMustMatch() throws {
        #expect(try decide([acl(.read, host: "10.0.0.5")], .kafka(.topic, "orders", .read)).isAllowed)
        #expect(try !decide([acl(.read, host: "10.0.0.6")], .kafka(.topic, "orders", .read)).isAllowed)
        #expect(try !decide([acl(.read, host: "10.0.0.5")], .kafka(.topic, "orders", .read), address: nil).isAllowed)
    }

    @Test func aclDenyBeatsRangerAllowAtEqualPriority() throws {
        let policy = Fixture.topicPolicy(id: 7, topics: ["*"], items: [Fixture.item(users: ["alice"], ["consume"])])
        let d = try decide([acl(.read, .deny)], .kafka(.topic, "orders", .read), policies: [policy])
        #expect(!d.isAllowed && d.policyId == 1 && d.policySource == "kafka-acls")
        #expect(try decide([], .kafka(.topic, "orders", .read), policies: [policy]).policyId == 7)
    }

    @Test func wireCodesRoundTrip() {
        for op in KafkaOperation.allCases { #expect(KafkaOperation(code: op.code) == op) }
        #expect(KafkaOperation(code: 1) == nil)
        #expect(KafkaAclBinding.PatternType.prefixed.code == 4)
    }
}
