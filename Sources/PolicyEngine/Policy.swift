/// A policy compiled for evaluation: names resolved against the service definition,
/// implied grants expanded, conditions and schedules parsed. Immutable.
struct Policy: Sendable {
    enum PolicyType: Int, Sendable { case access = 0, dataMask = 1, rowFilter = 2 }

    /// Values for one resource: any of `patterns` matches (or, with `isExcludes`, none).
    struct ResourceValues: Sendable {
        var patterns: [ResourcePattern]
        var isExcludes: Bool
        var isRecursive: Bool
    }

    /// A resource specification: resource name → values. A policy has one, plus Ranger's
    /// `additionalResources` (it applies where any of them matches).
    typealias Resources = [String: ResourceValues]

    struct Item: Sendable {
        enum Kind: String, Sendable { case allow = "allow-item", deny = "deny-item", allowException = "allow-exception",
                                             denyException = "deny-exception", rowFilter = "row-filter-item", dataMask = "data-mask-item" }
        var kind: Kind
        var index: Int
        var users: Set<String>
        var groups: Set<String>
        var roles: Set<String>
        /// Access types this item grants (or denies), implied grants included.
        var accesses: Set<String>
        /// As written, for explanations and export.
        var listedAccesses: [String]
        var conditions: [Condition]
        var delegateAdmin: Bool
        var filterExpr: String?
        var maskType: String?
        var maskCondition: String?
        var maskedValue: String?

        /// `public` is every user; `{USER}` in the users list is any (named) user. Takes the
        /// item in place: the evaluator reads items where they are stored, since copying one
        /// retains each of its fields.
        static func applies(_ item: UnsafePointer<Item>, to principal: ResolvedPrincipal) -> Bool {
            if item.pointee.users.contains(principal.user) || item.pointee.users.contains("{USER}")
                || item.pointee.groups.contains("public") { return true }
            if !item.pointee.groups.isDisjoint(with: principal.groups) { return true }
            return !item.pointee.roles.isEmpty && !item.pointee.roles.isDisjoint(with: principal.roles)
        }

        /// Who the item names, for reasons; filled once by `compiled()`.
        var who = ""

        func describeWho() -> String {
            var parts: [String] = []
            if !users.isEmpty { parts.append("users " + users.sorted().joined(separator: ",")) }
            if !groups.isEmpty { parts.append("groups " + groups.sorted().joined(separator: ",")) }
            if !roles.isEmpty { parts.append("roles " + roles.sorted().joined(separator: ",")) }
            return parts.isEmpty ? "nobody" : parts.joined(separator: " ")
        }
    }

    var id: Int64
    var name: String
    var version: Int64?
    var source: String
    var type: PolicyType
    var priority: Int
    var isEnabled: Bool
    var isAuditEnabled: Bool
    var isDenyAllElse: Bool
    var zone: String?
    var resources: [Resources]
    var conditions: [Condition]
    var schedules: [ValiditySchedule]
    var allowItems: [Item]
    var denyItems: [Item]
    var allowExceptions: [Item]
    var denyExceptions: [Item]
    var rowFilterItems: [Item]
    var dataMaskItems: [Item]
    /// Every user, group and role named by any item: the per-principal index's keys.
    var principalNames: (users: Set<String>, groups: Set<String>, roles: Set<String>, everyone: Bool)

    var reasonName: Reason.PolicyName { Reason.PolicyName(id: id, name: name) }
    var label: String { reasonName.label }

    /// Fills the per-item strings that reasons use, so evaluation does not build them.
    func compiled() -> Policy {
        func fill(_ items: [Item]) -> [Item] { items.map { var i = $0; i.who = i.describeWho(); return i } }
        var out = self
        out.allowItems = fill(allowItems)
        out.denyItems = fill(denyItems)
        out.allowExceptions = fill(allowExceptions)
        out.denyExceptions = fill(denyExceptions)
        out.rowFilterItems = fill(rowFilterItems)
        out.dataMaskItems = fill(dataMaskItems)
        return out
    }
}
