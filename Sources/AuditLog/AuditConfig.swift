/// How the audit log is written, from `bulwark.audit.*` keys in `server.properties`.
///
/// | key | default | meaning |
/// |---|---|---|
/// | `bulwark.audit.enabled` | `true` | write the audit log at all |
/// | `bulwark.audit.dir` | `<first log.dirs>/audit` | where segments, index, HEAD and ANCHOR live |
/// | `bulwark.audit.key.file` | `<audit dir>/signing.key` | Ed25519 signing key (created 0600) |
/// | `bulwark.audit.segment.bytes` | `16777216` | rotate when the active segment reaches this size |
/// | `bulwark.audit.segment.ms` | `3600000` | rotate when the active segment is this old |
/// | `bulwark.audit.retention.ms` | `7776000000` (90 days) | delete whole segments older than this; `-1` keeps all |
/// | `bulwark.audit.retention.bytes` | `-1` | delete the oldest segments while the log is larger |
/// | `bulwark.audit.checkpoint.interval.ms` | `1000` | sign a checkpoint (and the HEAD) at most this often while events arrive |
/// | `bulwark.audit.summary.window.ms` | `1000` | identical allowed events in this window are stored once |
/// | `bulwark.audit.mode` | `summarised` | `summarised` or `raw` for every kind without its own key |
/// | `bulwark.audit.mode.<kind>` | see `mode` | per kind (`authentication`, `authorization`, `recordSummary`, …) |
/// | `bulwark.audit.failure.mode.<kind>` | admin `closed`; authentication, authorization `denials-closed`; others `open` | `closed`, `open` or `denials-closed` |
/// | `bulwark.audit.queue.max.events` | `100000` | events waiting for the writer; beyond it an event is not persisted (its failure mode applies) |
public struct AuditConfig: Sendable, Hashable {
    /// Whether a failure to persist an event fails its request.
    public enum FailureMode: String, Sendable, Hashable {
        /// The request gets a non-retryable error.
        case closed
        /// The request proceeds; the writer's alarm is raised.
        case open
        /// Closed for denials, open for allowed events.
        case denialsClosed = "denials-closed"
    }

    /// Whether identical allowed events are summarised or each written.
    public enum Mode: String, Sendable, Hashable {
        case summarised
        case raw
    }

    public var enabled = true
    public var directory: String
    public var keyFile: String
    public var segmentBytes = 16 << 20
    public var segmentMilliseconds: Int64 = 3_600_000
    public var retentionMilliseconds: Int64 = 90 * 24 * 3_600_000
    public var retentionBytes: Int64 = -1
    public var checkpointIntervalMilliseconds: Int64 = 1000
    public var summaryWindowMilliseconds: Int64 = 1000
    public var modes: [AuditEventKind: Mode]
    public var failureModes: [AuditEventKind: FailureMode]
    public var queueMaxEvents = 100_000

    /// Defaults for a log in `directory` (its key in `directory/signing.key`).
    public init(directory: String) {
        self.directory = directory
        self.keyFile = directory + "/signing.key"
        self.modes = Dictionary(uniqueKeysWithValues: AuditEventKind.allCases.map { ($0, Mode.summarised) })
        self.failureModes = [
            .authentication: .denialsClosed, .authorization: .denialsClosed, .admin: .closed,
            .recordSummary: .open, .lifecycle: .open, .auditLog: .open,
        ]
    }

    /// Every key this parser knows (`<kind>` stands for each kind name).
    public static let knownKeys: [String] = [
        "bulwark.audit.enabled", "bulwark.audit.dir", "bulwark.audit.key.file", "bulwark.audit.segment.bytes",
        "bulwark.audit.segment.ms", "bulwark.audit.retention.ms", "bulwark.audit.retention.bytes",
        "bulwark.audit.checkpoint.interval.ms", "bulwark.audit.summary.window.ms", "bulwark.audit.mode",
        "bulwark.audit.queue.max.events",
    ] + AuditEventKind.allCases.flatMap { ["bulwark.audit.mode.\($0.name)", "bulwark.audit.failure.mode.\($0.name)"] }

    /// Parses the `bulwark.audit.*` keys of `properties` (others are ignored). A bad value
    /// throws naming the key; an unknown `bulwark.audit.` key throws too, since a typo in an
    /// audit setting should not pass silently.
    public static func parse(_ properties: [String: String], dataDirectory: String) throws(AuditLogError) -> AuditConfig {
        let directory = properties["bulwark.audit.dir"] ?? (dataDirectory + "/audit")
        var config = AuditConfig(directory: directory)
        let known = Set(knownKeys)
        for key in properties.keys where key.hasPrefix("bulwark.audit.") && !known.contains(key) {
            throw AuditLogError(.config, "unknown key \(key)")
        }
        if let v = properties["bulwark.audit.enabled"] {
            guard let b = Bool(v) else { throw AuditLogError(.config, "bulwark.audit.enabled must be true or false") }
            config.enabled = b
        }
        if let v = properties["bulwark.audit.key.file"] { config.keyFile = v }
        func int(_ key: String, min: Int64) throws(AuditLogError) -> Int64? {
            guard let v = properties[key] else { return nil }
            guard let n = Int64(v.trimmingSpaces), n >= min else { throw AuditLogError(.config, "\(key) must be an integer ≥ \(min)") }
            return n
        }
        if let n = try int("bulwark.audit.segment.bytes", min: 4096) { config.segmentBytes = Int(n) }
        if let n = try int("bulwark.audit.segment.ms", min: 1000) { config.segmentMilliseconds = n }
        if let n = try int("bulwark.audit.retention.ms", min: -1) { config.retentionMilliseconds = n }
        if let n = try int("bulwark.audit.retention.bytes", min: -1) { config.retentionBytes = n }
        if let n = try int("bulwark.audit.checkpoint.interval.ms", min: 1) { config.checkpointIntervalMilliseconds = n }
        if let n = try int("bulwark.audit.summary.window.ms", min: 0) { config.summaryWindowMilliseconds = n }
        if let n = try int("bulwark.audit.queue.max.events", min: 1) { config.queueMaxEvents = Int(n) }
        if let v = properties["bulwark.audit.mode"] {
            guard let m = Mode(rawValue: v) else { throw AuditLogError(.config, "bulwark.audit.mode must be summarised or raw") }
            for kind in AuditEventKind.allCases { config.modes[kind] = m }
        }
        for kind in AuditEventKind.allCases {
            if let v = properties["bulwark.audit.mode.\(kind.name)"] {
                guard let m = Mode(rawValue: v) else { throw AuditLogError(.config, "bulwark.audit.mode.\(kind.name) must be summarised or raw") }
                config.modes[kind] = m
            }
            if let v = properties["bulwark.audit.failure.mode.\(kind.name)"] {
                guard let m = FailureMode(rawValue: v) else {
                    throw AuditLogError(.config, "bulwark.audit.failure.mode.\(kind.name) must be closed, open or denials-closed")
                }
                config.failureModes[kind] = m
            }
        }
        return config
    }

    /// Whether an event that could not be persisted must fail its request.
    public func isFailClosed(_ event: AuditEvent) -> Bool {
        switch failureModes[event.kind] ?? .closed {
        case .closed: true
        case .open: false
        case .denialsClosed: event.result == .denied
        }
    }

    /// Whether `event` may be merged with identical ones. Denials and admin changes never are,
    /// nor record summaries (each already counts its records; merging would drop the counts),
    /// nor authentications (one per connection and session, and each must be on disk before
    /// the client is told it succeeded, which a summary written at the window's end is not).
    public func isSummarisable(_ event: AuditEvent) -> Bool {
        event.result == .allowed && event.kind != .admin && event.kind != .auditLog && event.kind != .lifecycle
            && event.kind != .recordSummary && event.kind != .authentication
            && summaryWindowMilliseconds > 0 && modes[event.kind] == .summarised
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
