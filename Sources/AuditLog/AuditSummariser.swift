/// Merges identical allowed events inside a window into one event with a count and the
/// first and last time, as Ranger's audit summarisation does. A pure value: events in,
/// events to write out; the writer decides when to ask for what is due.
///
/// "Identical" means the same kind, principal, tenant, resource, access, API, result,
/// deciding policy and connection. Only events `AuditConfig.isSummarisable` accepts come
/// here (never denials, admin changes or lifecycle events).
struct AuditSummariser {
    struct Key: Hashable {
        var kind: AuditEventKind
        var principal: String
        var tenant: String
        var resourceType: String
        var resourceName: String
        var access: String
        var apiName: String
        var result: AuditResult
        var policyId: String
        var connectionId: UInt64

        init(_ e: AuditEvent) {
            kind = e.kind
            principal = e.principal
            tenant = e.tenant
            resourceType = e.resourceType
            resourceName = e.resourceName
            access = e.access
            apiName = e.apiName
            result = e.result
            policyId = e.policyId
            connectionId = e.connectionId
        }
    }

    let window: Int64
    /// Bound on open aggregates; reaching it closes them all (memory stays bounded under a
    /// flood of distinct events).
    let maxOpen: Int
    private(set) var open: [Key: AuditEvent] = [:]

    init(window: Int64, maxOpen: Int = 10_000) {
        self.window = window
        self.maxOpen = maxOpen
    }

    /// Takes `event` in; returns aggregates that must be written now (an expired aggregate
    /// with the same key, or everything when the bound is reached).
    mutating func absorb(_ event: AuditEvent) -> [AuditEvent] {
        let key = Key(event)
        if var aggregate = open[key] {
            if event.time < aggregate.time + window {
                aggregate.count &+= max(1, event.count)
                aggregate.lastTime = max(aggregate.lastTime, event.lastTime)
                open[key] = aggregate
                return []
            }
            open[key] = event
            return [aggregate]
        }
        if open.count >= maxOpen {
            let all = drainAll()
            open[key] = event
            return all
        }
        open[key] = event
        return []
    }

    /// Aggregates whose window has ended by `now`, oldest first.
    mutating func due(now: Int64) -> [AuditEvent] {
        var out: [AuditEvent] = []
        for (key, aggregate) in open where aggregate.time + window <= now {
            out.append(aggregate)
            open[key] = nil
        }
        return out.sorted { $0.time < $1.time }
    }

    /// Everything still open (at shutdown), oldest first.
    mutating func drainAll() -> [AuditEvent] {
        let out = open.values.sorted { $0.time < $1.time }
        open.removeAll()
        return out
    }

    /// When the oldest open aggregate's window ends.
    var nextDeadline: Int64? { open.values.map { $0.time + window }.min() }
}
