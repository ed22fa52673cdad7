import Foundation
import KafkaWire
import NIOCore
import PolicyEngine
import Testing
@testable import RecordLevel

/// A record view over literal parts, for expression tests without batches.
private func view(value: String?, headers: [(String, String)] = [], key: String? = nil, ts: Int64 = 1000) -> RecordView {
    var trie = JSONPathTrie()
    let expressions = ["value.amount", "value.a.b", "value['x y']", "value.items[1]", "value.customer.email", "value.flag", "value.n"]
    for e in expressions { if case .field(let p) = try! RecordRuleExpression.parse(e) { trie.insert(p) } }
    let record = Record(key: key.map { ByteBuffer(string: $0) }, value: value.map { ByteBuffer(string: $0) },
                        headers: headers.map { RecordHeader(key: $0.0, value: ByteBuffer(string: $0.1)) })
    return RecordView(record: record, timestamp: ts, trie: trie)
}

private func matches(_ text: String, _ v: RecordView, user: [String: String] = [:]) throws -> Bool {
    var v = v
    return try RecordRuleExpression.parse(text).bind(user: user, tenant: [:]).matches(&v)
}

@Suite struct RecordRuleExpressionTests {
    @Test func headerAndUserAttribute() throws {
        let v = view(value: #"{"amount": 9999.5}"#, headers: [("region", "eu")])
        let rule = "headers['region'] == '${{USER.region}}' and value.amount < 10000"
        #expect(try matches(rule, v, user: ["region": "eu"]))
        #expect(try !matches(rule, v, user: ["region": "us"]))
        // An attribute the user does not have is unknown: fails closed, and so does its negation.
        #expect(try !matches(rule, v))
        #expect(try !matches("not (headers['region'] == '${{USER.region}}')", v))
    }

    @Test func attributeValueCannotInjectSyntax() throws {
        let v = view(value: "{}", headers: [("region", "eu")])
        #expect(try !matches("headers['region'] == '${{USER.region}}'", v, user: ["region": "x' or 'a' == 'a"]))
    }

    @Test func operatorsAndFunctions() throws {
        let v = view(value: #"{"amount": 5, "a": {"b": "Hi"}, "x y": true, "items": [1, "two"], "n": null}"#,
                     headers: [("n", "12")], key: "k-1", ts: 1234)
        #expect(try matches("value.amount >= 5 && value.amount <= 5 and value.amount != 4", v))
        #expect(try matches("value.a.b in ('Hi', 'Ho') and value.a.b not in ['x']", v))
        #expect(try matches("value['x y'] == true and value.items[1] == 'two'", v))
        #expect(try matches("exists(value.a.b) and not exists(value.customer.email) and value.n is null", v))
        #expect(try matches("size(value) == \(#"{"amount": 5, "a": {"b": "Hi"}, "x y": true, "items": [1, "two"], "n": null}"#.utf8.count)", v))
        #expect(try matches("size(key) == 3 and key == 'k-1' and timestamp == 1234", v))
        #expect(try matches("headers.n > 11", v))  // numeric header text compares as a number
        #expect(try matches("lower(value.a.b) == 'hi' and upper(value.a.b) == 'HI' and concat(key, '/', value.amount) == 'k-1/5'", v))
        #expect(try matches("value.amount = 5 or value.missing == 1", v))
        #expect(try !matches("value.missing == 1", v))
        #expect(try !matches("value.missing != 1", v))
    }

    @Test func notJSONValueHasNoFields() throws {
        #expect(try !matches("value.amount < 10", view(value: "amount=5")))
        #expect(try !matches("value.amount < 10", view(value: #"{"amount": 5"#)))
        #expect(try matches("value == 'amount=5'", view(value: "amount=5")))
    }

    @Test(arguments: [
        ("value.amount <", "expression ends too early"),
        ("headers[region] == 'x'", "expected a quoted header name"),
        ("value.amount < 'x", "unterminated string"),
        ("foo == 1", "unknown name"),
        ("'${{GROUP.x}}' == 'a'", "only USER and TENANT"),
        ("value.a == 1 1", "unexpected text"),
    ])
    func syntaxErrors(_ text: String, _ message: String) {
        let error = #expect(throws: RecordRuleError.self) { try RecordRuleExpression.parse(text) }
        #expect(error?.description.contains(message) == true, "\(String(describing: error))")
    }

    @Test func deepNestingIsRefused() {
        let text = String(repeating: "(", count: 500) + "true" + String(repeating: ")", count: 500)
        #expect(throws: RecordRuleError.self) { try RecordRuleExpression.parse(text) }
    }

    @Test func policyWithBadFilterDoesNotLoad() {
        let bad = RL.policies.replacingOccurrences(of: "value.amount < 10000", with: "value.amount <")
        let error = #expect(throws: PolicyLoadError.self) { try RL.evaluator(bad) }
        #expect("\(String(describing: error))".contains("record rule"))
        #expect("\(String(describing: error))".contains("filterExpr"))
    }

    @Test func fieldOnlyOnMaskPolicies() {
        let bad = #"{"policies": [{"id": 1, "resources": {"topic": {"values": ["t"]}, "field": {"values": ["value.a"]}}, "policyItems": []}]}"#
        let error = #expect(throws: PolicyLoadError.self) { try RL.evaluator(bad) }
        #expect("\(String(describing: error))".contains("data-mask policies"))
    }

    @Test func rulesPerPrincipal() throws {
        let evaluator = try RL.evaluator()
        let alice = evaluator.recordRules(topic: "orders", access: "consume", principal: Principal(user: "alice"), clientAddress: nil)
        #expect(alice.filter?.policyId == 20)
        #expect(alice.masks.map(\.fieldText) == ["value.card", "value.customer.email", "headers['user']", "value.born"])
        #expect(alice.masks.map(\.policyId) == [21, 22, 22, 23])
        let bob = evaluator.recordRules(topic: "orders", access: "consume", principal: Principal(user: "bob"), clientAddress: nil)
        #expect(bob.isEmpty)
        let carol = evaluator.recordRules(topic: "orders", access: "publish", principal: Principal(user: "carol"), clientAddress: nil)
        #expect(carol.filter?.text.hasPrefix("headers['tenant'] == 'acme'") == true)
        #expect(carol.masks.isEmpty)
        #expect(evaluator.recordRules(topic: "other", access: "consume", principal: Principal(user: "alice"), clientAddress: nil).isEmpty)
    }
}
