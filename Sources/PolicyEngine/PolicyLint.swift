/// What `bulwark policy validate` reports beyond schema errors (those stop the load).
public struct LintFinding: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning }
    public var severity: Severity
    public var source: String
    public var policyId: Int64
    public var message: String

    public var description: String { "\(severity.rawValue): \(source): policy \(policyId): \(message)" }
}

extension PolicySnapshot {
    /// Checks a loaded snapshot for mistakes the schema allows: allow-items shadowed by a
    /// higher-priority deny (they can never take effect), allow and deny items that
    /// overlap at the same priority (the deny wins; often unintended), and grants of
    /// every access type to everyone on every resource (an error). Bounded by the square
    /// of the number of items that name a common principal.
    public func lint() -> [LintFinding] {
        var findings: [LintFinding] = []
        let policies = allPolicies.filter { $0.isEnabled && $0.type == .access }
        let everything = Set(serviceDef.accessTypes.map(\.name))
        for p in policies {
            for item in p.allowItems where (item.groups.contains("public") || item.users.contains("{USER}"))
                && item.accesses.isSuperset(of: everything) && item.conditions.isEmpty && p.conditions.isEmpty
                && p.resources.contains(where: { spec in spec.values.allSatisfy { !$0.isExcludes && $0.patterns.contains(where: \.isMatchAll) } }) {
                findings.append(LintFinding(severity: .error, source: p.source, policyId: p.id,
                                            message: "allow-item \(item.index) grants every access type to everyone on every resource"))
            }
        }
        for p in policies {
            for allow in p.allowItems {
                for q in policies where q.zone == p.zone && q.priority >= p.priority {
                    for deny in q.denyItems where !allow.accesses.isDisjoint(with: deny.accesses) && principalsOverlap(allow, deny)
                        && resourcesOverlap(p, q) {
                        if q.priority > p.priority, covers(deny, allow), deny.conditions.isEmpty, q.conditions.isEmpty,
                           q.denyExceptions.isEmpty, q.schedules.isEmpty, resourcesCover(q, p) {
                            findings.append(LintFinding(severity: .warning, source: p.source, policyId: p.id,
                                message: "allow-item \(allow.index) is shadowed by deny-item \(deny.index) of higher-priority \(q.label)"))
                        } else if q.priority == p.priority {
                            let shared = allow.accesses.intersection(deny.accesses).sorted().joined(separator: ",")
                            findings.append(LintFinding(severity: .warning, source: p.source, policyId: p.id,
                                message: "allow-item \(allow.index) overlaps deny-item \(deny.index) of \(q.id == p.id ? "the same policy" : q.label) on \(shared); the deny wins"))
                        }
                    }
                }
            }
        }
        if tagPolicyCount > 0 && taggedResourceCount == 0 {
            findings.append(LintFinding(severity: .warning, source: "tagPolicies", policyId: 0,
                                        message: "\(tagPolicyCount) tag-based policies, but no tags file: they apply only to requests whose context carries TAGS"))
        }
        return findings
    }

    private func isEveryone(_ item: Policy.Item) -> Bool { item.groups.contains("public") || item.users.contains("{USER}") }

    private func principalsOverlap(_ a: Policy.Item, _ b: Policy.Item) -> Bool {
        isEveryone(a) || isEveryone(b) || !a.users.isDisjoint(with: b.users) || !a.groups.isDisjoint(with: b.groups)
            || !a.roles.isDisjoint(with: b.roles)
    }

    /// Every principal and access of `allow` is denied by `deny`.
    private func covers(_ deny: Policy.Item, _ allow: Policy.Item) -> Bool {
        guard deny.accesses.isSuperset(of: allow.accesses) else { return false }
        if isEveryone(deny) { return true }
        return !isEveryone(allow) && deny.users.isSuperset(of: allow.users) && deny.groups.isSuperset(of: allow.groups)
            && deny.roles.isSuperset(of: allow.roles)
    }

    private func valuesOverlap(_ a: Policy.ResourceValues, _ b: Policy.ResourceValues) -> Bool {
        if a.isExcludes || b.isExcludes { return true }  // cannot tell cheaply: assume they may
        return a.patterns.contains { x in
            b.patterns.contains { y in
                x.isMatchAll || y.isMatchAll || x.matches(y.text, user: "") || y.matches(x.text, user: "")
                    || (x.hasWildcard && y.hasWildcard && (x.literalPrefix.hasPrefix(y.literalPrefix) || y.literalPrefix.hasPrefix(x.literalPrefix)))
            }
        }
    }

    private func resourcesOverlap(_ p: Policy, _ q: Policy) -> Bool {
        p.resources.contains { a in
            q.resources.contains { b in Set(a.keys) == Set(b.keys) && a.allSatisfy { key, values in valuesOverlap(values, b[key]!) } }
        }
    }

    /// Every resource of `p` is matched by `q` (q's values are `*`, or match p's literally).
    private func resourcesCover(_ q: Policy, _ p: Policy) -> Bool {
        p.resources.allSatisfy { a in
            q.resources.contains { b in
                Set(a.keys) == Set(b.keys) && a.allSatisfy { key, values in
                    let qv = b[key]!
                    guard !qv.isExcludes, !values.isExcludes else { return false }
                    return values.patterns.allSatisfy { x in qv.patterns.contains { $0.isMatchAll || $0.text == x.text } }
                }
            }
        }
    }
}
