import Foundation

/// Ranger's delegated administration: who may change which policies. A principal may add,
/// change or remove a policy when, for every resource of that policy, an enabled access
/// policy in force covers the resource with an allow item that names the principal, has
/// `delegateAdmin`, and grants every access type the policy mentions. Super users may
/// change anything; only they may change what is not a plain policy set (principals, tags,
/// zones, service definitions, tag policies).
public enum DelegatedAdmin {
    /// Why `principal` may not replace `before` with `after` (either nil: a new or a
    /// deleted file); empty when it may. `current` is the snapshot in force, `proposed`
    /// the one the change would put in force.
    public static func violations(principal: Principal, current: PolicySnapshot, proposed: PolicySnapshot,
                                  fileName: String, before: Data?, after: Data?) -> [String] {
        let who = current.directory.resolve(principal)
        if who.isSuper { return [] }
        var out: [String] = []
        for (label, data) in [("current", before), ("new", after)] {
            guard let data else { continue }
            if let reserved = reservedKeys(data) {
                out.append("the \(label) \(fileName) has \(reserved): only super users may change it")
            }
        }
        guard out.isEmpty else { return out }
        let old = policyTexts(before), new = policyTexts(after)
        let touched = Set(old.keys).union(new.keys).filter { old[$0] != new[$0] }.sorted()
        for id in touched {
            // A change needs rights over the policy as it was and as it will be.
            for (snapshot, exists) in [(current, old[id] != nil), (proposed, new[id] != nil)] where exists {
                guard let policy = snapshot.allPolicies.first(where: { $0.id == id && $0.source == fileName }) else { continue }
                out += missingRights(who, for: policy, in: current).map { "policy \(id): \($0)" }
            }
        }
        return out
    }

    /// The keys that make a file more than a plain policy set, if it has any.
    static func reservedKeys(_ data: Data) -> String? {
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return nil }
        // From the loaders' own lists, so a new kind of member cannot slip past this check.
        let reserved = (["serviceDef", "securityZones", "tagPolicies"] + PrincipalDirectory.fileKeys + ResourceTags.fileKeys)
            .filter { root[$0] != nil }
        return reserved.isEmpty ? nil : reserved.joined(separator: ", ")
    }

    /// Each policy of a policy-set file as canonical JSON, by id: equal text, no change.
    static func policyTexts(_ data: Data?) -> [Int64: String] {
        guard let data, let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let policies = root["policies"] as? [[String: Any]] else { return [:] }
        var out: [Int64: String] = [:]
        for policy in policies {
            guard let id = (policy["id"] as? NSNumber)?.int64Value,
                  let text = try? JSONSerialization.data(withJSONObject: policy, options: [.sortedKeys]) else { continue }
            out[id] = String(decoding: text, as: UTF8.self)
        }
        return out
    }

    /// What `who` lacks to administer `policy`: one line per uncovered resource.
    static func missingRights(_ who: ResolvedPrincipal, for policy: Policy, in current: PolicySnapshot) -> [String] {
        var accesses: Set<String> = []
        for item in policy.allowItems + policy.denyItems + policy.allowExceptions + policy.denyExceptions
            + policy.rowFilterItems + policy.dataMaskItems {
            accesses.formUnion(item.listedAccesses)
        }
        var out: [String] = []
        for spec in policy.resources {
            let granted = delegatedAccesses(who, over: spec, in: current)
            let missing = accesses.subtracting(granted).sorted()
            if !missing.isEmpty || granted.isEmpty {
                let resource = spec.keys.sorted().map { "\($0)=\(spec[$0]!.patterns.map(\.text).joined(separator: ","))" }
                    .joined(separator: " ")
                let what = granted.isEmpty ? "" : " for " + missing.joined(separator: ", ")
                out.append("\(who.user) has no delegated admin rights\(what) on \(resource)")
            }
        }
        return out
    }

    /// The access types `who` may delegate on every resource of `spec`.
    static func delegatedAccesses(_ who: ResolvedPrincipal, over spec: Policy.Resources, in current: PolicySnapshot) -> Set<String> {
        var out: Set<String> = []
        for policy in current.allPolicies where policy.isEnabled && policy.type == .access {
            guard policy.resources.contains(where: { covers($0, spec, user: who.user, matcher: current.matcher) }) else { continue }
            for item in policy.allowItems where item.delegateAdmin && withUnsafePointer(to: item, { Policy.Item.applies($0, to: who) }) {
                out.formUnion(item.accesses)
            }
        }
        return out
    }

    /// Whether every value `target` names is inside `admin`'s: same resource keys, and each
    /// target pattern (read as a name) matched by an admin pattern. An excluding target
    /// is everything but some names, so only a match-all admin value covers it.
    static func covers(_ admin: Policy.Resources, _ target: Policy.Resources, user: String, matcher: ResourceMatcher) -> Bool {
        guard Set(admin.keys) == Set(target.keys) else { return false }
        for (key, wanted) in target {
            let held = admin[key]!
            if held.isExcludes { return false }
            if wanted.isExcludes {
                guard held.patterns.contains(where: \.isMatchAll) else { return false }
                continue
            }
            for pattern in wanted.patterns {
                let name = matcher.value(pattern.text, for: key)
                guard held.patterns.contains(where: { $0.matches(name, user: user) }) else { return false }
            }
        }
        return true
    }
}
