import Foundation

/// Decides access requests against one snapshot, caching decisions per (principal,
/// client address, request). Make a new evaluator for each new snapshot; the cache
/// belongs to its snapshot's version and goes with it. Safe for concurrent callers: the
/// snapshot is immutable and the cache is behind a lock.
public final class PolicyEvaluator: @unchecked Sendable {
    public let snapshot: PolicySnapshot
    private let lock = NSLock()
    /// Two levels, so a batch hashes its principal once and then only each request.
    private var cache: [Asker: [AccessRequest: Decision]] = [:]
    private var cachedCount = 0
    /// Compiled record-level rules (see `recordRules`), bounded like the decision cache.
    private var recordRulesCache: [RecordRulesKey: RecordRules] = [:]
    private let cacheCapacity: Int

    private struct Asker: Hashable {
        var principal: Principal
        var clientAddress: String?
    }

    /// `cacheCapacity` bounds the decision cache; when full it is emptied and refilled.
    public init(snapshot: PolicySnapshot, cacheCapacity: Int = 1 << 20) {
        self.snapshot = snapshot
        self.cacheCapacity = max(0, cacheCapacity)
    }

    /// Decides every request for one principal in one call (one lock round trip for the
    /// cache, one principal resolution for the misses). Decisions that depend on the
    /// clock (a policy with validity schedules was consulted) are not cached.
    public func authorize(_ requests: [AccessRequest], principal: Principal, clientAddress: String?,
                          now: Date = Date()) -> [Decision] {
        let asker = Asker(principal: principal, clientAddress: clientAddress)
        var out = [Decision?](repeating: nil, count: requests.count)
        var missing = requests.count
        if cacheCapacity > 0 {
            lock.lock()
            if let known = cache[asker] {
                for i in requests.indices {
                    out[i] = known[requests[i]]
                    if out[i] != nil { missing -= 1 }
                }
            }
            lock.unlock()
        }
        if missing == 0 { return out.map { $0! } }
        let who = snapshot.directory.resolve(principal)
        var fresh: [(AccessRequest, Decision)] = []
        for i in out.indices where out[i] == nil {
            var trace = Trace(enabled: false)
            let decision = evaluate(requests[i], who, clientAddress, now, &trace)
            out[i] = decision
            if trace.cacheable && cacheCapacity > 0 { fresh.append((requests[i], decision)) }
        }
        if !fresh.isEmpty {
            lock.lock()
            if cachedCount + fresh.count > cacheCapacity {
                cache.removeAll()
                cachedCount = 0
            }
            var known = cache.removeValue(forKey: asker) ?? [:]
            for (request, decision) in fresh.prefix(cacheCapacity) where known.updateValue(decision, forKey: request) == nil {
                cachedCount += 1
            }
            cache[asker] = known
            lock.unlock()
        }
        return out.map { $0! }
    }

    /// One request, with the deciding policy and every other policy that was considered.
    public func explain(_ request: AccessRequest, principal: Principal, clientAddress: String?, now: Date = Date()) -> Explanation {
        var trace = Trace(enabled: true)
        let who = snapshot.directory.resolve(principal)
        let decision = evaluate(request, who, clientAddress, now, &trace)
        return Explanation(decision: decision, groups: who.groups.sorted(), roles: who.roles.sorted(), steps: trace.steps)
    }

    func cachedRecordRules(_ key: RecordRulesKey) -> RecordRules? {
        lock.lock(); defer { lock.unlock() }
        return recordRulesCache[key]
    }

    func storeRecordRules(_ key: RecordRulesKey, _ rules: RecordRules) {
        lock.lock(); defer { lock.unlock() }
        if recordRulesCache.count >= max(cacheCapacity / 16, 1024) { recordRulesCache.removeAll() }
        recordRulesCache[key] = rules
    }

    /// How many decisions are cached (for tests and metrics).
    public var cachedDecisionCount: Int {
        lock.lock(); defer { lock.unlock() }
        return cachedCount
    }

    // MARK: - Evaluation

    struct Trace {
        let enabled: Bool
        var cacheable = true
        var steps: [Explanation.Step] = []

        mutating func note(_ policy: Policy, _ outcome: String) {
            guard enabled else { return }
            steps.append(.init(policyId: policy.id, policyName: policy.name, source: policy.source, priority: policy.priority,
                               outcome: outcome))
        }
    }

    private func decision(_ allowed: Bool, _ policy: Policy?, audited: Bool, zone: String?, _ reason: String) -> Decision {
        let isAudited = switch snapshot.auditMode {
        case .auditAll: true
        case .auditNone: false
        case .auditDefault: audited
        }
        return Decision(isAllowed: allowed, isAudited: isAudited, policyId: policy?.id, policyVersion: policy?.version,
                        policySource: policy?.source, snapshotVersion: snapshot.version, zone: zone, reason: reason)
    }

    private func describe(_ request: AccessRequest) -> String {
        if request.resource.count == 1, let (key, value) = request.resource.first { return "\(request.accessType) on \(key) \(value)" }
        let resource = request.resource.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        return "\(request.accessType) on \(resource.isEmpty ? "no resource" : resource)"
    }

    /// The first item of `items` that applies to the principal, grants the access type
    /// and whose conditions hold.
    func firstMatch(_ items: [Policy.Item], _ access: String, _ who: ResolvedPrincipal, _ address: String?) -> Policy.Item? {
        items.first { item in
            item.accesses.contains(access) && item.applies(to: who) && item.conditions.allSatisfy { $0.isSatisfied(clientAddress: address) }
        }
    }

    /// Whether the policy is in force now and its own conditions hold; notes why not.
    func isInForce(_ policy: Policy, _ address: String?, _ now: Date, _ trace: inout Trace) -> Bool {
        if !policy.schedules.isEmpty {
            trace.cacheable = false
            guard policy.schedules.contains(where: { $0.isActive(at: now) }) else {
                trace.note(policy, "resource matches, but outside its validity schedules")
                return false
            }
        }
        guard policy.conditions.allSatisfy({ $0.isSatisfied(clientAddress: address) }) else {
            trace.note(policy, "resource matches, but its policy conditions do not hold (client address \(address ?? "unknown"))")
            return false
        }
        return true
    }

    func evaluate(_ request: AccessRequest, _ who: ResolvedPrincipal, _ address: String?, _ now: Date,
                  _ trace: inout Trace) -> Decision {
        let access = request.accessType
        guard snapshot.serviceDef.isAccessType(access) || request.kind != .access else {
            return decision(false, nil, audited: true, zone: nil, "denied: \"\(access)\" is not an access type of \(snapshot.serviceDef.name)")
        }
        if request.kind != .access { return evaluateRecordLevel(request, who, address, now, &trace) }
        if who.isSuper {
            return decision(true, nil, audited: true, zone: nil, "allowed: \(who.user) is a super user")
        }
        let (set, zone) = snapshot.policySet(for: request)
        let zoneText = zone.map { " in security zone \($0)" } ?? ""
        var allowed: (Policy, Policy.Item)?
        var audited = false
        for position in set.candidates(for: request, matcher: snapshot.matcher) {
            let policy = set.policies[Int(position)]
            guard policy.isEnabled, policy.type == .access else { continue }
            if let (allowing, _) = allowed, policy.priority < allowing.priority { break }  // higher priority already decided
            guard policy.resources.contains(where: { snapshot.matcher.matches($0, request, user: who.user) }) else { continue }
            guard isInForce(policy, address, now, &trace) else { continue }
            audited = audited || policy.isAuditEnabled
            if let item = firstMatch(policy.denyItems, access, who, address) {
                if let exception = firstMatch(policy.denyExceptions, access, who, address) {
                    trace.note(policy, "deny-item \(item.index) matches, cancelled by deny-exception \(exception.index)")
                } else {
                    trace.note(policy, "DENIES by deny-item \(item.index) (\(item.who))")
                    return decision(false, policy, audited: audited, zone: zone,
                                    "denied by \(policy.label)\(zoneText), deny-item \(item.index) (\(item.who)): \(describe(request))")
                }
            }
            let allowItem = firstMatch(policy.allowItems, access, who, address)
            let allowException = allowItem.flatMap { _ in firstMatch(policy.allowExceptions, access, who, address) }
            if let allowItem, allowException == nil {
                if allowed == nil {
                    allowed = (policy, allowItem)
                    trace.note(policy, "ALLOWS by allow-item \(allowItem.index) (\(allowItem.who))")
                } else {
                    trace.note(policy, "also allows by allow-item \(allowItem.index)")
                }
                continue
            }
            if let allowItem, let allowException {
                trace.note(policy, "allow-item \(allowItem.index) matches, cancelled by allow-exception \(allowException.index)")
            }
            if policy.isDenyAllElse {
                trace.note(policy, "DENIES: isDenyAllElse and no allow-item grants \(who.user) \(access)")
                return decision(false, policy, audited: audited, zone: zone,
                                "denied by \(policy.label)\(zoneText): isDenyAllElse, no allow-item grants \(who.user) \(describe(request))")
            }
            if allowItem == nil { trace.note(policy, "resource matches; no item grants \(who.user) \(access)") }
        }
        if let (policy, item) = allowed {
            return decision(true, policy, audited: audited, zone: zone,
                            "allowed by \(policy.label)\(zoneText), allow-item \(item.index) (\(item.who)): \(describe(request))")
        }
        if snapshot.serviceDef.isKafka, access == "idempotent_write", request.resource.keys.contains("cluster"),
           let (policy, item) = publishAnywhere(who, address, now, &trace) {
            return decision(true, policy, audited: audited || policy.isAuditEnabled, zone: zone,
                            "allowed: \(who.user) may publish to a topic by \(policy.label), allow-item \(item.index), so may write idempotently (KIP-679)")
        }
        return decision(false, nil, audited: audited, zone: zone, "denied: no policy\(zoneText) grants \(who.user) \(describe(request)) (default deny)")
    }

    /// Kafka's KIP-679 rule: IDEMPOTENT_WRITE is allowed to anyone allowed to WRITE to
    /// some topic. Found through the per-principal index: an access policy on topics with
    /// an allow-item granting the principal `publish` (not cancelled by an exception), and
    /// no deny of `publish` to the principal on every topic (`*`) at the same or a
    /// higher priority.
    private func publishAnywhere(_ who: ResolvedPrincipal, _ address: String?, _ now: Date,
                                 _ trace: inout Trace) -> (Policy, Policy.Item)? {
        var sets = [snapshot.unzoned]
        sets += snapshot.zones.map(\.set)
        for set in sets {
            let naming = set.policies(naming: who)
            for position in naming {
                let policy = set.policies[Int(position)]
                guard policy.isEnabled, policy.type == .access, policy.resources.contains(where: { $0["topic"] != nil }),
                      let item = firstMatch(policy.allowItems, "publish", who, address),
                      firstMatch(policy.allowExceptions, "publish", who, address) == nil,
                      isInForce(policy, address, now, &trace) else { continue }
                let deniedEverywhere = naming.contains { other in
                    let deny = set.policies[Int(other)]
                    return deny.isEnabled && deny.type == .access && deny.priority >= policy.priority
                        && deny.resources.contains { spec in spec["topic"].map { !$0.isExcludes && $0.patterns.contains(where: \.isMatchAll) } ?? false }
                        && firstMatch(deny.denyItems, "publish", who, address) != nil
                        && firstMatch(deny.denyExceptions, "publish", who, address) == nil
                }
                if !deniedEverywhere { return (policy, item) }
            }
        }
        return nil
    }

    /// Row-filter and data-mask requests: the first policy of that type (in priority
    /// order) with an item for the principal and access type gives the answer.
    private func evaluateRecordLevel(_ request: AccessRequest, _ who: ResolvedPrincipal, _ address: String?, _ now: Date,
                                     _ trace: inout Trace) -> Decision {
        let wanted: Policy.PolicyType = request.kind == .rowFilter ? .rowFilter : .dataMask
        let (set, zone) = snapshot.policySet(for: request)
        for position in set.candidates(for: request, matcher: snapshot.matcher) {
            let policy = set.policies[Int(position)]
            guard policy.isEnabled, policy.type == wanted,
                  policy.resources.contains(where: { snapshot.matcher.matches($0, request, user: who.user) }),
                  isInForce(policy, address, now, &trace) else { continue }
            let items = wanted == .rowFilter ? policy.rowFilterItems : policy.dataMaskItems
            guard let item = firstMatch(items, request.accessType, who, address) else {
                trace.note(policy, "resource matches; no \(wanted == .rowFilter ? "row-filter" : "data-mask") item for \(who.user)")
                continue
            }
            trace.note(policy, "APPLIES \(item.kind.rawValue) \(item.index)")
            var out = decision(true, policy, audited: policy.isAuditEnabled, zone: zone,
                               "\(wanted == .rowFilter ? "row filter" : "data mask") from \(policy.label), \(item.kind.rawValue) \(item.index) (\(item.who))")
            out.filterExpr = item.filterExpr
            out.maskType = item.maskType
            out.maskCondition = item.maskCondition
            out.maskedValue = item.maskedValue
            return out
        }
        return decision(false, nil, audited: false, zone: zone,
                        "no \(wanted == .rowFilter ? "row-filter" : "data-mask") policy applies to \(who.user) \(describe(request))")
    }
}

/// Why a request was decided as it was: the decision, the principal's groups and roles
/// as resolved, and each policy whose resources matched, in evaluation order.
public struct Explanation: Sendable {
    public struct Step: Sendable, Hashable {
        public var policyId: Int64
        public var policyName: String
        public var source: String
        public var priority: Int
        public var outcome: String
    }

    public var decision: Decision
    public var groups: [String]
    public var roles: [String]
    public var steps: [Step]
}
