import Foundation

/// One decision that differs between two snapshots.
public struct DecisionChange: Sendable, Hashable, CustomStringConvertible {
    public var principal: String
    public var resource: [String: String]
    public var accessType: String
    public var before: Decision
    public var after: Decision

    public var description: String {
        let r = resource.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        func show(_ d: Decision) -> String {
            (d.isAllowed ? "allowed" : "denied") + (d.policyId.map { " (policy \($0))" } ?? " (no policy)")
        }
        return "\(principal) \(accessType) \(r): \(show(before)) -> \(show(after))"
    }
}

extension PolicySnapshot {
    /// The principal × resource × access decisions that change from `self` to `other`,
    /// over every user, group and role and every resource value either set names (a
    /// wildcard value stands for itself: `orders-*` is asked about as the name
    /// `orders-*`), and every access type. Groups and roles are asked about as a
    /// stand-in user holding just that group or role. Throws when the product exceeds
    /// `limit` evaluations.
    public func diff(to other: PolicySnapshot, limit: Int = 2_000_000, now: Date = Date()) throws(PolicyLoadError) -> [DecisionChange] {
        var principals: [(String, Principal)] = []
        var users: Set<String> = [], groups: Set<String> = [], roles: Set<String> = []
        var resources: Set<[String: String]> = []
        for policy in allPolicies + other.allPolicies {
            users.formUnion(policy.principalNames.users.filter { $0 != "{USER}" })
            groups.formUnion(policy.principalNames.groups.filter { $0 != "public" })
            roles.formUnion(policy.principalNames.roles)
            for spec in policy.resources {
                var combos: [[String: String]] = [[:]]
                for (key, values) in spec.sorted(by: { $0.key < $1.key }) {
                    let texts = values.patterns.map { $0.text.replacingAll("{USER}", with: "user") }
                    combos = combos.flatMap { partial in texts.map { partial.merging([key: $0]) { a, _ in a } } }
                    if combos.count > 10_000 { break }
                }
                resources.formUnion(combos.prefix(10_000))
            }
        }
        for user in users.sorted() { principals.append(("user \(user)", Principal(user: user))) }
        for group in groups.sorted() { principals.append(("group \(group)", Principal(user: "<member of \(group)>", groups: [group]))) }
        for role in roles.sorted() { principals.append(("role \(role)", Principal(user: "<holder of \(role)>", roles: [role]))) }
        principals.append(("everyone", Principal(user: "<anyone>")))
        let accesses = Array(Set(serviceDef.accessTypes.map(\.name) + other.serviceDef.accessTypes.map(\.name))).sorted()
        let total = principals.count * resources.count * accesses.count
        guard total <= limit else {
            throw PolicyLoadError(file: "diff", path: "$", message: "\(total) decisions to compare exceeds the limit of \(limit)")
        }
        let a = PolicyEvaluator(snapshot: self, cacheCapacity: 0), b = PolicyEvaluator(snapshot: other, cacheCapacity: 0)
        let sortedResources = resources.sorted { $0.description < $1.description }
        var changes: [DecisionChange] = []
        for (label, principal) in principals {
            let requests = sortedResources.flatMap { r in accesses.map { AccessRequest(resource: r, accessType: $0) } }
            let before = a.authorize(requests, principal: principal, clientAddress: nil, now: now)
            let after = b.authorize(requests, principal: principal, clientAddress: nil, now: now)
            for i in requests.indices where before[i].isAllowed != after[i].isAllowed {
                changes.append(DecisionChange(principal: label, resource: requests[i].resource, accessType: requests[i].accessType,
                                              before: before[i], after: after[i]))
            }
        }
        return changes
    }
}
