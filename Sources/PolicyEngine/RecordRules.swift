import Foundation

/// The record-level rules one principal has on one topic for one access type, compiled
/// (parsed, `${{USER.x}}` filled in) and ready to run per record. Empty rules mean the
/// broker hands the stored batches through untouched.
public struct RecordRules: Sendable {
    public struct Filter: Sendable {
        public var policyId: Int64
        public var text: String
        public var expression: RecordRuleExpression
    }

    public struct Mask: Sendable {
        public var policyId: Int64
        /// As the policy names it (`value.card.number`).
        public var fieldText: String
        /// `.key`, `.header(name)` or `.field(path)`.
        public var field: RecordRuleExpression
        public var maskType: String
        /// Ranger's `conditionExpr`: mask only records for which it is true.
        public var condition: RecordRuleExpression?
        /// A CUSTOM mask's `valueExpr`.
        public var value: RecordRuleExpression?
    }

    /// `consume`: records not matching are not sent. `publish`: a batch with a record not
    /// matching is refused.
    public var filter: Filter?
    /// At most one mask per field, from the first policy (in evaluation order) naming it.
    public var masks: [Mask]
    public var snapshotVersion: Int64

    public var isEmpty: Bool { filter == nil && masks.isEmpty }

    public init(filter: Filter? = nil, masks: [Mask] = [], snapshotVersion: Int64 = 0) {
        self.filter = filter
        self.masks = masks
        self.snapshotVersion = snapshotVersion
    }
}

extension PolicyEvaluator {
    /// The row filter and data masks for `principal` on `topic` (`access` is `consume` or
    /// `publish`). Cached per principal, client address, topic and access for this
    /// snapshot (the cache goes with the snapshot, so a policy change recompiles).
    public func recordRules(topic: String, access: String, principal: Principal, clientAddress: String?,
                            now: Date = Date()) -> RecordRules {
        let key = RecordRulesKey(user: principal.user, groups: principal.groups, roles: principal.roles,
                                 clientAddress: clientAddress, topic: topic, access: access)
        if let hit = cachedRecordRules(key) { return hit }
        var trace = Trace(enabled: false)
        let who = snapshot.directory.resolve(principal)
        var rules = RecordRules(snapshotVersion: snapshot.version)
        let filterDecision = evaluate(AccessRequest(resource: ["topic": topic], accessType: access, kind: .rowFilter),
                                      who, clientAddress, now, &trace)
        let attributes = snapshot.directory.userAttributes[principal.user] ?? [:]
        // Tenants arrive with issue 10: until then `${{TENANT.x}}` is never set (fails closed).
        let tenant: [String: String] = [:]
        if filterDecision.isAllowed, let text = filterDecision.filterExpr, !text.isEmpty {
            let expression = (try? RecordRuleExpression.parse(text))?.bind(user: attributes, tenant: tenant) ?? .literal(.bool(false))
            rules.filter = .init(policyId: filterDecision.policyId ?? -1, text: text, expression: expression)
        }
        if access == "consume" {
            rules.masks = masks(topic: topic, who: who, clientAddress, now, &trace, attributes: attributes, tenant: tenant)
        }
        if trace.cacheable { storeRecordRules(key, rules) }
        return rules
    }

    /// Every data-mask policy on the topic with an item for the principal: each names
    /// fields; the first policy to name a field decides its mask (MASK_NONE included).
    private func masks(topic: String, who: ResolvedPrincipal, _ address: String?, _ now: Date, _ trace: inout Trace,
                       attributes: [String: String], tenant: [String: String]) -> [RecordRules.Mask] {
        let request = AccessRequest(resource: ["topic": topic], accessType: "consume", scope: .selfOrDescendants, kind: .dataMask)
        let (set, _) = snapshot.policySet(for: request)
        var claimed: Set<String> = []
        var out: [RecordRules.Mask] = []
        for position in set.candidates(for: request, matcher: snapshot.matcher) {
            let policy = set.policies[Int(position)]
            guard policy.isEnabled, policy.type == .dataMask else { continue }
            let specs = policy.resources.filter { snapshot.matcher.matches($0, request, user: who.user) }
            guard !specs.isEmpty, isInForce(policy, address, now, &trace),
                  let item = firstMatch(policy.dataMaskItems, "consume", who, address).map({ policy.dataMaskItems[$0] }), let maskType = item.maskType else { continue }
            for spec in specs {
                for pattern in spec["field"]?.patterns ?? [] where claimed.insert(pattern.text).inserted {
                    guard maskType != "MASK_NONE" else { continue }
                    // Unparseable rules cannot load for Kafka; should one slip through, the
                    // field is nulled rather than shown.
                    guard let field = try? RecordRuleExpression.parseField(pattern.text) else { continue }
                    var mask = RecordRules.Mask(policyId: policy.id, fieldText: pattern.text, field: field, maskType: maskType)
                    if let c = item.maskCondition, !c.isEmpty {
                        mask.condition = (try? RecordRuleExpression.parse(c))?.bind(user: attributes, tenant: tenant) ?? .literal(.bool(true))
                    }
                    if maskType == "CUSTOM" {
                        mask.value = (try? RecordRuleExpression.parse(item.maskedValue ?? ""))?.bind(user: attributes, tenant: tenant)
                            ?? .literal(.null)
                    }
                    out.append(mask)
                }
            }
        }
        return out
    }
}

struct RecordRulesKey: Hashable {
    var user: String
    var groups: [String]
    var roles: [String]
    var clientAddress: String?
    var topic: String
    var access: String
}
