/// The policies of one security zone (or of no zone), in evaluation order — higher
/// `policyPriority` first, then file order — with the resource index (a trie per
/// top-level resource) and the per-principal index (user, group, role → policies).
struct PolicySet: Sendable {
    let policies: [Policy]
    private let byResource: [String: ResourceIndex]
    /// Policies whose resources name no top-level resource (cannot happen after
    /// validation, kept so nothing is ever silently unreachable).
    private let unindexed: [Int32]
    private let byUser: [String: [Int32]]
    private let byGroup: [String: [Int32]]
    private let byRole: [String: [Int32]]
    private let forEveryone: [Int32]

    init(_ policies: [Policy], def: ServiceDef) {
        let ordered = policies.enumerated().sorted { a, b in
            a.element.priority != b.element.priority ? a.element.priority > b.element.priority : a.offset < b.offset
        }.map { $0.element.compiled() }
        self.policies = ordered
        var byResource: [String: ResourceIndex] = [:]
        var unindexed: [Int32] = []
        var byUser: [String: [Int32]] = [:], byGroup: [String: [Int32]] = [:], byRole: [String: [Int32]] = [:]
        var everyone: [Int32] = []
        for (i, policy) in ordered.enumerated() {
            let position = Int32(i)
            for spec in policy.resources {
                if let top = spec.first(where: { def.resource(named: $0.key)?.parent == nil }) {
                    byResource[top.key, default: ResourceIndex()].insert(top.value, position: position)
                } else {
                    unindexed.append(position)
                }
            }
            for user in policy.principalNames.users { byUser[user, default: []].append(position) }
            for group in policy.principalNames.groups { byGroup[group, default: []].append(position) }
            for role in policy.principalNames.roles { byRole[role, default: []].append(position) }
            if policy.principalNames.everyone || policy.isDenyAllElse { everyone.append(position) }
        }
        self.byResource = byResource
        self.unindexed = unindexed
        self.byUser = byUser
        self.byGroup = byGroup
        self.byRole = byRole
        self.forEveryone = everyone
    }

    /// Positions of the policies that may apply to the request's resource, in order.
    func candidates(for request: AccessRequest, matcher: ResourceMatcher) -> [Int32] {
        guard let (key, raw) = request.resource.first(where: { matcher.topLevel.contains($0.key) }) else {
            return Array(0..<Int32(policies.count))
        }
        var out = byResource[key]?.candidates(for: matcher.value(raw, for: key)) ?? []
        if !unindexed.isEmpty { out = Array(Set(out + unindexed)).sorted() }
        return out
    }

    /// Positions of the policies that name the principal (or everyone), in order.
    func policies(naming principal: ResolvedPrincipal) -> [Int32] {
        var out = forEveryone + (byUser[principal.user] ?? [])
        for group in principal.groups { out += byGroup[group] ?? [] }
        for role in principal.roles { out += byRole[role] ?? [] }
        return Array(Set(out)).sorted()
    }
}
