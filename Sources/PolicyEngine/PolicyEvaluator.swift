import Foundation

/// Decides access requests against one snapshot, caching decisions per (principal,
/// client address, request). Make a new evaluator for each new snapshot; the cache
/// belongs to its snapshot's version and goes with it. Safe for concurrent callers: the
/// snapshot is immutable and the cache is behind a lock.
public final class PolicyEvaluator: @unchecked Sendable {
    public let snapshot: PolicySnapshot
    private let lock = NSLock()
    /// By user name first (one short string to hash per call), then the few askers of
    /// that name (usually one), each with its resolved principal and its decisions.
    private var cache: [String: [CacheEntry]] = [:]
    private var cachedCount = 0
    /// Compiled record-level rules (see `recordRules`), bounded like the decision cache.
    private var recordRulesCache: [RecordRulesKey: RecordRules] = [:]
    private let cacheCapacity: Int

    private struct Asker: Equatable {
        var principal: Principal
        var clientAddress: String?
    }

    private final class CacheEntry {
        let asker: Asker
        let who: ResolvedPrincipal
        var decisions: [AccessRequest: Decision] = [:]

        init(asker: Asker, who: ResolvedPrincipal) {
            self.asker = asker
            self.who = who
        }
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
        var entry: CacheEntry?
        if cacheCapacity > 0 {
            lock.lock()
            entry = cache[principal.user]?.first { $0.asker == asker }
            if let entry {
                for i in requests.indices {
                    out[i] = entry.decisions[requests[i]]
                    if out[i] != nil { missing -= 1 }
                }
            }
            lock.unlock()
        }
        if missing == 0 { return out.map { $0! } }
        let who = entry?.who ?? snapshot.directory.resolve(principal)
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
                entry = nil
            }
            let target = entry ?? cache[principal.user]?.first { $0.asker == asker } ?? {
                let created = CacheEntry(asker: asker, who: who)
                cache[principal.user, default: []].append(created)
                return created
            }()
            for (request, decision) in fresh.prefix(cacheCapacity) where target.decisions.updateValue(decision, forKey: request) == nil {
                cachedCount += 1
            }
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

        /// The outcome is built only when explaining: most evaluations never read it.
        mutating func note(_ policy: @autoclosure () -> Policy, _ outcome: @autoclosure () -> String) {
            guard enabled else { return }
            let policy = policy()
            steps.append(.init(policyId: policy.id, policyName: policy.name, source: policy.source, priority: policy.priority,
                               outcome: outcome()))
        }
    }

    private func decision(_ allowed: Bool, _ policy: Policy?, audited: Bool, zone: String?, _ reason: String) -> Decision {
        decision(allowed, policy, audited: audited, zone: zone, why: .text(reason))
    }

    /// The snapshot's audit mode applied to what the consulted policies asked for.
    private func isAudited(_ audited: Bool) -> Bool {
        switch snapshot.auditMode {
        case .auditAll: true
        case .auditNone: false
        case .auditDefault: audited
        }
    }

    private func decision(_ allowed: Bool, _ policy: Policy?, audited: Bool, zone: String?, why: Reason) -> Decision {
        Decision(isAllowed: allowed, isAudited: isAudited(audited), policyId: policy?.id, policyVersion: policy?.version,
                        policySource: policy?.source, snapshotVersion: snapshot.version, zone: zone, why: why)
    }

    /// The first item of `items` that applies to the principal, grants the access type
    /// and whose conditions hold.
    /// The position of the first item of `items` that applies to the principal, grants the
    /// access type and whose conditions hold (items read in place, not copied).
    func firstMatch(_ items: [Policy.Item], _ access: String, _ who: ResolvedPrincipal, _ address: String?) -> Int? {
        items.withUnsafeBufferPointer { buffer in
            buffer.indices.first { i in
                let item = buffer.baseAddress! + i
                return item.pointee.accesses.contains(access) && Policy.Item.applies(item, to: who)
                    && item.pointee.conditions.allSatisfy { $0.isSatisfied(clientAddress: address) }
            }
        }
    }

    /// Whether the policy is in force now and its own conditions hold; notes why not.
    /// Callers skip it for the usual policy, which has neither schedules nor conditions.
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
            return decision(true, nil, audited: true, zone: nil, why: .superUser(user: who.user))
        }
        var audited = false
        if let tagged = evaluateTags(request, who, address, now, &trace, audited: &audited) { return tagged }
        let (set, zone) = snapshot.policySet(for: request)
        switch decide(request, in: set, zone: zone, matcher: snapshot.matcher, who, address, now, &trace) {
        case .decided(let decision): return decision
        case .undecided(let consulted): audited = audited || consulted
        }
        if snapshot.serviceDef.isKafka, access == "idempotent_write", request.resource.keys.contains("cluster"),
           let (policy, item) = publishAnywhere(who, address, now, &trace) {
            return decision(true, policy, audited: audited || policy.isAuditEnabled, zone: zone,
                            why: .idempotentWrite(user: who.user, policy: policy.reasonName, index: item.index))
        }
        return decision(false, nil, audited: audited, zone: zone,
                        why: .defaultDeny(zone: zone, user: who.user, asked: request.asked))
    }

    enum Outcome {
        case decided(Decision)
        /// No policy decided; whether any consulted policy asks for audit.
        case undecided(audited: Bool)
    }

    /// Ranger's rules over one policy set: higher priority first, at equal priority a deny
    /// beats an allow, exceptions cancel their item, a deny is final, `isDenyAllElse`
    /// denies what its items do not grant.
    private func decide(_ request: AccessRequest, in set: PolicySet, zone: String?, matcher: ResourceMatcher,
                        _ who: ResolvedPrincipal, _ address: String?, _ now: Date, _ trace: inout Trace) -> Outcome {
        let access = request.accessType
        var allowed: (position: Int, item: Int)?
        var audited = false
        // Policies are read in place (a pointer, not a copy): copying one retains every
        // field, which cost more than the evaluation itself.
        return set.policies.withUnsafeBufferPointer { policies -> Outcome in
            // `audited` is passed, not captured: a captured `var` lives in a heap box.
            func decided(_ allow: Bool, _ position: Int, _ why: Reason, audited: Bool) -> Outcome {
                let policy = policies.baseAddress! + position
                return .decided(Decision(isAllowed: allow, isAudited: isAudited(audited), policyId: policy.pointee.id,
                                         policyVersion: policy.pointee.version, policySource: policy.pointee.source,
                                         snapshotVersion: snapshot.version, zone: zone, why: why))
            }
            func itemReason(_ verb: String, _ position: Int, _ item: Policy.Item) -> Reason {
                .item(verb: verb, policy: policies[position].reasonName, zone: zone, item: item.kind.rawValue, index: item.index,
                      who: item.who, asked: request.asked)
            }
            for candidate in set.candidates(for: request, matcher: matcher) {
                let position = Int(candidate)
                let policy = policies.baseAddress! + position
                guard policy.pointee.isEnabled, policy.pointee.type == .access else { continue }
                if let allowing = allowed, policy.pointee.priority < policies[allowing.position].priority { break }  // higher priority already decided
                guard policy.pointee.resources.contains(where: { matcher.matches($0, request, user: who.user) }) else { continue }
                if !policy.pointee.schedules.isEmpty || !policy.pointee.conditions.isEmpty {
                    guard isInForce(policy.pointee, address, now, &trace) else { continue }
                }
                audited = audited || policy.pointee.isAuditEnabled
                if let deny = firstMatch(policy.pointee.denyItems, access, who, address) {
                    let item = policy.pointee.denyItems[deny]
                    if let exception = firstMatch(policy.pointee.denyExceptions, access, who, address) {
                        trace.note(policy.pointee, "deny-item \(item.index) matches, cancelled by deny-exception \(policy.pointee.denyExceptions[exception].index)")
                    } else {
                        trace.note(policy.pointee, "DENIES by deny-item \(item.index) (\(item.who))")
                        return decided(false, position, itemReason("denied", position, item), audited: audited)
                    }
                }
                let allowItem = firstMatch(policy.pointee.allowItems, access, who, address)
                let allowException = allowItem.flatMap { _ in firstMatch(policy.pointee.allowExceptions, access, who, address) }
                if let allowItem, allowException == nil {
                    if allowed == nil {
                        allowed = (position, allowItem)
                        trace.note(policy.pointee, "ALLOWS by allow-item \(allowItem) (\(policy.pointee.allowItems[allowItem].who))")
                    } else {
                        trace.note(policy.pointee, "also allows by allow-item \(allowItem)")
                    }
                    continue
                }
                if let allowItem, let allowException {
                    trace.note(policy.pointee, "allow-item \(allowItem) matches, cancelled by allow-exception \(allowException)")
                }
                if policy.pointee.isDenyAllElse {
                    trace.note(policy.pointee, "DENIES: isDenyAllElse and no allow-item grants \(who.user) \(access)")
                    return decided(false, position, .denyAllElse(policy: policy.pointee.reasonName, zone: zone, user: who.user,
                                                                 asked: request.asked), audited: audited)
                }
                if allowItem == nil { trace.note(policy.pointee, "resource matches; no item grants \(who.user) \(access)") }
            }
            if let (position, item) = allowed {
                return decided(true, position, itemReason("allowed", position, policies[position].allowItems[item]), audited: audited)
            }
            return .undecided(audited: audited)
        }
    }

    /// Tag-based policies, before the resource's own (Ranger's order): a deny for any of
    /// the resource's tags is final; otherwise an allow for any tag decides; otherwise the
    /// resource policies do. Malformed context `TAGS` denies (fail closed).
    private func evaluateTags(_ request: AccessRequest, _ who: ResolvedPrincipal, _ address: String?, _ now: Date,
                              _ trace: inout Trace, audited: inout Bool) -> Decision? {
        guard let tagPolicies = snapshot.tagPolicies else { return nil }
        let tags: [String]
        do {
            tags = try snapshot.resourceTags.tags(for: request, matcher: snapshot.matcher, user: who.user)
        } catch {
            return decision(false, nil, audited: true, zone: nil, "denied: the request's TAGS cannot be read (\(error))")
        }
        var allowedBy: Decision?
        for tag in tags {
            let tagRequest = AccessRequest(resource: ["tag": tag], accessType: tagPolicies.accessType(request.accessType))
            switch decide(tagRequest, in: tagPolicies.policySet, zone: nil, matcher: tagPolicies.matcher, who, address, now, &trace) {
            case .decided(var outcome):
                outcome.why = .tag(tag, outcome.why)
                if !outcome.isAllowed { return outcome }
                allowedBy = allowedBy ?? outcome
            case .undecided(let consulted):
                audited = audited || consulted
            }
        }
        return allowedBy
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
                      let itemIndex = firstMatch(policy.allowItems, "publish", who, address),
                      firstMatch(policy.allowExceptions, "publish", who, address) == nil,
                      isInForce(policy, address, now, &trace) else { continue }
                let deniedEverywhere = naming.contains { other in
                    let deny = set.policies[Int(other)]
                    return deny.isEnabled && deny.type == .access && deny.priority >= policy.priority
                        && deny.resources.contains { spec in spec["topic"].map { !$0.isExcludes && $0.patterns.contains(where: \.isMatchAll) } ?? false }
                        && firstMatch(deny.denyItems, "publish", who, address) != nil
                        && firstMatch(deny.denyExceptions, "publish", who, address) == nil
                }
                if !deniedEverywhere { return (policy, policy.allowItems[itemIndex]) }
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
            guard let item = firstMatch(items, request.accessType, who, address).map({ items[$0] }) else {
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
                        "no \(wanted == .rowFilter ? "row-filter" : "data-mask") policy applies to \(who.user) \(request.asked)")
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
