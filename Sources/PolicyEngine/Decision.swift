/// The answer to one `AccessRequest`: the effect, who decided it and why. It goes to the
/// audit log as is.
public struct Decision: Hashable, Sendable {
    public var isAllowed: Bool
    /// Whether the access should be audited (the deciding policy's `isAuditEnabled`, or
    /// the snapshot's audit mode).
    public var isAudited: Bool
    /// The deciding policy's id; nil for a super user or the default deny.
    public var policyId: Int64?
    /// The deciding policy's own `version` field, when it has one.
    public var policyVersion: Int64?
    /// Where the deciding policy came from: its file name, or `"kafka-acls"`.
    public var policySource: String?
    /// The snapshot version the decision was made against.
    public var snapshotVersion: Int64
    /// The security zone whose policies decided, if any.
    public var zone: String?
    /// Why, kept as parts and written out only when read: most decisions are cached or
    /// summarised without anyone reading their sentence.
    var why: Reason
    /// A sentence for people: `"denied by policy 7 (deny-item 0): deny interns consume"`.
    public var reason: String { why.description }
    /// Row-filter requests: the filter expression to apply.
    public var filterExpr: String?
    /// Data-mask requests: the mask type, its condition and the custom value.
    public var maskType: String?
    public var maskCondition: String?
    public var maskedValue: String?

    public init(isAllowed: Bool, isAudited: Bool, policyId: Int64? = nil, policyVersion: Int64? = nil,
                policySource: String? = nil, snapshotVersion: Int64, zone: String? = nil, reason: String,
                filterExpr: String? = nil, maskType: String? = nil, maskCondition: String? = nil, maskedValue: String? = nil) {
        self.init(isAllowed: isAllowed, isAudited: isAudited, policyId: policyId, policyVersion: policyVersion,
                  policySource: policySource, snapshotVersion: snapshotVersion, zone: zone, why: .text(reason),
                  filterExpr: filterExpr, maskType: maskType, maskCondition: maskCondition, maskedValue: maskedValue)
    }

    init(isAllowed: Bool, isAudited: Bool, policyId: Int64? = nil, policyVersion: Int64? = nil,
         policySource: String? = nil, snapshotVersion: Int64, zone: String? = nil, why: Reason,
         filterExpr: String? = nil, maskType: String? = nil, maskCondition: String? = nil, maskedValue: String? = nil) {
        self.isAllowed = isAllowed
        self.isAudited = isAudited
        self.policyId = policyId
        self.policyVersion = policyVersion
        self.policySource = policySource
        self.snapshotVersion = snapshotVersion
        self.zone = zone
        self.why = why
        self.filterExpr = filterExpr
        self.maskType = maskType
        self.maskCondition = maskCondition
        self.maskedValue = maskedValue
    }
}

/// The parts of a decision's sentence. Building the sentence costs more than deciding, so
/// the evaluator records only these (references to strings it already has).
indirect enum Reason: Hashable, Sendable, CustomStringConvertible {
    /// What was asked: the access type on the resource.
    struct Asked: Hashable, Sendable {
        var access: String
        var resource: [String: String]
    }

    /// A policy as reasons name it.
    struct PolicyName: Hashable, Sendable {
        var id: Int64
        var name: String
        var label: String { name.isEmpty ? "policy \(id)" : "policy \(id) (\(name))" }
    }

    case text(String)
    case superUser(user: String)
    /// An item decided: `verb` is "allowed" or "denied", `item` the item kind's name.
    case item(verb: String, policy: PolicyName, zone: String?, item: String, index: Int, who: String, asked: Asked)
    case denyAllElse(policy: PolicyName, zone: String?, user: String, asked: Asked)
    case idempotentWrite(user: String, policy: PolicyName, index: Int)
    case defaultDeny(zone: String?, user: String, asked: Asked)
    case tag(String, Reason)

    var description: String {
        switch self {
        case .text(let text):
            return text
        case .superUser(let user):
            return "allowed: \(user) is a super user"
        case let .item(verb, policy, zone, item, index, who, asked):
            return "\(verb) by \(policy.label)\(Self.zoneText(zone)), \(item) \(index) (\(who)): \(asked)"
        case let .denyAllElse(policy, zone, user, asked):
            return "denied by \(policy.label)\(Self.zoneText(zone)): isDenyAllElse, no allow-item grants \(user) \(asked)"
        case let .idempotentWrite(user, policy, index):
            return "allowed: \(user) may publish to a topic by \(policy.label), allow-item \(index), so may write idempotently (KIP-679)"
        case let .defaultDeny(zone, user, asked):
            return "denied: no policy\(Self.zoneText(zone)) grants \(user) \(asked) (default deny)"
        case let .tag(tag, inner):
            return "tag \(tag): \(inner)"
        }
    }

    private static func zoneText(_ zone: String?) -> String { zone.map { " in security zone \($0)" } ?? "" }
}

extension Reason.Asked: CustomStringConvertible {
    var description: String {
        if resource.count == 1, let (key, value) = resource.first { return "\(access) on \(key) \(value)" }
        let text = resource.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        return "\(access) on \(text.isEmpty ? "no resource" : text)"
    }
}
