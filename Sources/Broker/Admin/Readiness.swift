import Synchronization

/// What `/health/ready` answers: ready once storage has been recovered, policies loaded,
/// the audit log is writable and the keyring unlocked, and the listeners are bound; not
/// ready again from the moment shutdown starts. Liveness is the admin listener answering.
public final class Readiness: Sendable {
    public enum Component: String, Sendable, CaseIterable {
        case storage, policies, audit, keys, listeners
    }

    private let state = Mutex<(ready: Set<Component>, stopping: Bool)>(([], false))
    /// Re-checked on every probe (the audit log can stop being writable at run time).
    private let auditWritable = Mutex<(@Sendable () -> Bool)?>(nil)

    public init() {}

    public func set(_ component: Component) {
        state.withLock { _ = $0.ready.insert(component) }
        BrokerMetrics.ready(isReady)
    }

    func watchAudit(_ check: @escaping @Sendable () -> Bool) {
        auditWritable.withLock { $0 = check }
    }

    public func stopping() {
        state.withLock { $0.stopping = true }
        BrokerMetrics.ready(false)
    }

    /// The components not ready yet (empty when ready); `stopping` when shutting down.
    public var missing: [String] {
        let (ready, stopping) = state.withLock { ($0.ready, $0.stopping) }
        if stopping { return ["stopping"] }
        var out = Component.allCases.filter { !ready.contains($0) }.map(\.rawValue)
        if ready.contains(.audit), let check = auditWritable.withLock({ $0 }), !check() { out.append("audit") }
        return out
    }

    public var isReady: Bool { missing.isEmpty }
}
