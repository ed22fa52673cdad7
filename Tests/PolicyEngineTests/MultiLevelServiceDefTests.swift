import Foundation
import Testing
@testable import PolicyEngine

/// A hive-like definition: database > table > column (and database > udf), case-insensitive
/// names, row filters and data masks.
@Suite struct MultiLevelServiceDefTests {
    static let serviceDef = #"""
    {"name": "hive", "resources": [
        {"name": "database", "level": 1, "matcherOptions": {"wildCard": "true", "ignoreCase": "true"}},
        {"name": "table", "level": 2, "parent": "database"},
        {"name": "udf", "level": 2, "parent": "database"},
        {"name": "column", "level": 3, "parent": "table"}],
     "accessTypes": [{"name": "select"}, {"name": "update"}, {"name": "all", "impliedGrants": ["select", "update"]}],
     "policyConditions": [],
     "rowFilterDef": {"accessTypes": [{"name": "select"}]},
     "dataMaskDef": {"accessTypes": [{"name": "select"}], "maskTypes": [{"name": "MASK"}, {"name": "MASK_HASH"}, {"name": "CUSTOM"}]}}
    """#

    static let policies = #"""
    [{"id": 1, "resources": {"database": {"values": ["sales"]}, "table": {"values": ["orders"]}, "column": {"values": ["*"]}},
      "policyItems": [{"groups": ["analysts"], "accesses": [{"type": "select"}]}]},
     {"id": 2, "resources": {"database": {"values": ["sales"]}, "table": {"values": ["orders"]}, "column": {"values": ["card*"]}},
      "denyPolicyItems": [{"groups": ["analysts"], "accesses": [{"type": "select"}]}]},
     {"id": 3, "resources": {"database": {"values": ["hr"]}, "table": {"values": ["pay"]}, "column": {"values": ["salary"]}},
      "policyItems": [{"users": ["hank"], "accesses": [{"type": "all"}]}]},
     {"id": 4, "resources": {"database": {"values": ["sales"]}, "udf": {"values": ["*"]}},
      "policyItems": [{"users": ["udo"], "accesses": [{"type": "select"}]}]},
     {"id": 10, "policyType": 2, "resources": {"database": {"values": ["sales"]}, "table": {"values": ["orders"]}},
      "rowFilterPolicyItems": [{"groups": ["analysts"], "accesses": [{"type": "select"}], "rowFilterInfo": {"filterExpr": "region = 'EU'"}}]},
     {"id": 11, "policyType": 1, "resources": {"database": {"values": ["sales"]}, "table": {"values": ["orders"]}, "column": {"values": ["email"]}},
      "dataMaskPolicyItems": [{"groups": ["analysts"], "accesses": [{"type": "select"}], "dataMaskInfo": {"dataMaskType": "CUSTOM", "conditionExpr": "x > 1", "valueExpr": "'***'"}}]}]
    """#

    let evaluator: PolicyEvaluator
    let analyst = Principal(user: "ann", groups: ["analysts"])

    init() throws {
        let json = #"{"serviceName": "hivedev", "serviceDef": \#(Self.serviceDef), "policies": \#(Self.policies)}"#
        evaluator = PolicyEvaluator(snapshot: try PolicySnapshot.load(files: [Fixture.file("hive.json", json)], version: 3))
    }

    private func decide(_ resource: [String: String], _ access: String = "select", _ who: Principal? = nil,
                        scope: AccessRequest.MatchingScope = .self, kind: AccessRequest.Kind = .access) -> Decision {
        evaluator.authorize([AccessRequest(resource: resource, accessType: access, scope: scope, kind: kind)],
                            principal: who ?? analyst, clientAddress: nil)[0]
    }

    @Test func columnLevelAllowAndDeny() {
        let allowed = decide(["database": "sales", "table": "orders", "column": "amount"])
        #expect(allowed.isAllowed && allowed.policyId == 1)
        let denied = decide(["database": "sales", "table": "orders", "column": "card_no"])
        #expect(!denied.isAllowed && denied.policyId == 2)
    }

    @Test func namesFoldCaseWhenTheDefinitionSaysSo() {
        let d = decide(["database": "SALES", "table": "Orders", "column": "amount"])
        #expect(d.isAllowed && d.policyId == 1)
    }

    @Test func tableRequestMatchesAColumnStarPolicyWithScopeSelf() {
        let d = decide(["database": "sales", "table": "orders"])
        #expect(d.isAllowed && d.policyId == 1)
        // Policy 3 names one column, not `*`: a table-level request is not covered by it…
        let hr = decide(["database": "hr", "table": "pay"], "select", Principal(user: "hank"))
        #expect(!hr.isAllowed && hr.policyId == nil)
        // …unless the caller asks about anything below the table.
        let below = decide(["database": "hr", "table": "pay"], "select", Principal(user: "hank"), scope: .selfOrDescendants)
        #expect(below.isAllowed && below.policyId == 3)
    }

    @Test func impliedGrantsOfACustomDefinition() {
        let d = decide(["database": "hr", "table": "pay", "column": "salary"], "update", Principal(user: "hank"))
        #expect(d.isAllowed && d.policyId == 3)
    }

    @Test func siblingBranchIsSeparate() {
        #expect(decide(["database": "sales", "udf": "f"], "select", Principal(user: "udo")).policyId == 4)
        #expect(!decide(["database": "sales", "table": "orders", "column": "x"], "select", Principal(user: "udo")).isAllowed)
    }

    @Test func rowFilterAndDataMask() {
        let filter = decide(["database": "sales", "table": "orders"], kind: .rowFilter)
        #expect(filter.policyId == 10 && filter.filterExpr == "region = 'EU'")
        let mask = decide(["database": "sales", "table": "orders", "column": "email"], kind: .dataMask)
        #expect(mask.policyId == 11 && mask.maskType == "CUSTOM" && mask.maskCondition == "x > 1" && mask.maskedValue == "'***'")
        let none = decide(["database": "sales", "table": "orders", "column": "email"], "select", Principal(user: "zed"), kind: .dataMask)
        #expect(none.policyId == nil && none.maskType == nil && !none.isAllowed)
    }

    @Test func siblingResourcesInOnePolicyAreRejected() {
        let json = #"{"serviceDef": \#(Self.serviceDef), "policies": [{"id": 1, "resources": {"database": {"values": ["a"]}, "table": {"values": ["b"]}, "udf": {"values": ["c"]}}}]}"#
        #expect(throws: PolicyLoadError.self) { try PolicySnapshot.load(files: [Fixture.file("x.json", json)], version: 1) }
        let orphan = #"{"serviceDef": \#(Self.serviceDef), "policies": [{"id": 1, "resources": {"table": {"values": ["b"]}}}]}"#
        #expect(throws: PolicyLoadError(file: "x.json", path: "policies[0].resources", message: "resource \"table\" needs its parent \"database\" in the same policy")) {
            try PolicySnapshot.load(files: [Fixture.file("x.json", orphan)], version: 1)
        }
    }
}
