/// What an audit event is about. The raw value is the on-disk byte: never renumber.
public enum AuditEventKind: UInt8, Sendable, CaseIterable, Hashable {
    /// A SASL or TLS authentication, successful (`.allowed`) or not (`.denied`).
    case authentication = 1
    /// One authorization decision.
    case authorization = 2
    /// An administrative change (topics, configs, ACLs and policies, users, keys, tenants).
    case admin = 3
    /// A record-level summary (records read or written under a record-level rule).
    case recordSummary = 4
    /// Broker lifecycle: start, stop, config and policy reloads.
    case lifecycle = 5
    /// The audit log about itself: rotation, retention, torn-tail repair, lost events.
    case auditLog = 6

    /// The name used in configuration keys and output.
    public var name: String {
        switch self {
        case .authentication: "authentication"
        case .authorization: "authorization"
        case .admin: "admin"
        case .recordSummary: "recordSummary"
        case .lifecycle: "lifecycle"
        case .auditLog: "auditLog"
        }
    }

    public init?(name: String) {
        guard let kind = Self.allCases.first(where: { $0.name.lowercased() == name.lowercased() }) else { return nil }
        self = kind
    }
}

/// The outcome. Authentication success is `.allowed`, failure `.denied`; events without a
/// decision (lifecycle, the log's own events) are `.allowed`.
public enum AuditResult: UInt8, Sendable, Hashable {
    case allowed = 1
    case denied = 2

    public var name: String { self == .allowed ? "allowed" : "denied" }
}

/// TLS details of the connection; all empty when the connection is not TLS.
public struct AuditTLS: Sendable, Hashable {
    public var protocolVersion: String
    public var cipherSuite: String
    /// The peer certificate's subject (RFC 2253), empty without a client certificate.
    public var peerSubject: String

    public init(protocolVersion: String = "", cipherSuite: String = "", peerSubject: String = "") {
        self.protocolVersion = protocolVersion
        self.cipherSuite = cipherSuite
        self.peerSubject = peerSubject
    }

    public var isEmpty: Bool { protocolVersion.isEmpty && cipherSuite.isEmpty && peerSubject.isEmpty }
}

/// One audit event, as the broker hands it to `AuditLogWriter.record(_:)`.
///
/// Strings are empty and numbers zero when a field does not apply (an authentication event
/// has no resource; a lifecycle event no principal). The log assigns the sequence number
/// (see `AuditRecord`). `count`, `time` and `lastTime` describe summarised events: `count`
/// identical allowed events seen between `time` (the first) and `lastTime` (the last).
public struct AuditEvent: Sendable, Hashable {
    public var kind: AuditEventKind
    /// Milliseconds since the Unix epoch; the first occurrence when `count > 1`.
    public var time: Int64
    /// The last occurrence (equal to `time` unless summarised).
    public var lastTime: Int64
    /// How many identical events this one stands for (1 unless summarised).
    public var count: UInt32
    /// `User:alice`, `User:ANONYMOUS`, a mapped certificate principal.
    public var principal: String
    public var groups: [String]
    public var tenant: String
    /// `topic`, `group`, `cluster`, `transactionalId`, `user`, `policy`, ….
    public var resourceType: String
    public var resourceName: String
    /// `read`, `write`, `create`, `describe`, `alter`, `delete`, … (Ranger's access types).
    public var access: String
    /// The Kafka API (`Produce`, `Fetch`, `SaslAuthenticate`, …) and its version.
    public var apiName: String
    public var apiVersion: Int16
    public var result: AuditResult
    /// The deciding policy and its version (empty and 0 when no policy decided).
    public var policyId: String
    public var policyVersion: Int64
    public var reason: String
    /// The client's IP address (no port) and port.
    public var clientAddress: String
    public var clientPort: UInt16
    public var listener: String
    public var connectionId: UInt64
    public var correlationId: Int32
    public var clientId: String
    /// The SASL mechanism (`SCRAM-SHA-512`, `PLAIN`, `GSSAPI`), or `SSL` for a certificate.
    public var mechanism: String
    public var tls: AuditTLS
    /// What happened, for events not named by an API: `start`, `stop`, `reload-policies`,
    /// `create-topic`, `rotate`, `retention`, `torn-tail`, ….
    public var action: String
    /// Admin changes: the state before and after (a short JSON or properties text).
    public var before: String
    public var after: String

    public init(
        kind: AuditEventKind, time: Int64, lastTime: Int64? = nil, count: UInt32 = 1,
        principal: String = "", groups: [String] = [], tenant: String = "",
        resourceType: String = "", resourceName: String = "", access: String = "",
        apiName: String = "", apiVersion: Int16 = 0, result: AuditResult = .allowed,
        policyId: String = "", policyVersion: Int64 = 0, action: String = "", reason: String = "",
        clientAddress: String = "", clientPort: UInt16 = 0, listener: String = "",
        connectionId: UInt64 = 0, correlationId: Int32 = 0, clientId: String = "",
        mechanism: String = "", tls: AuditTLS = AuditTLS(),
        before: String = "", after: String = ""
    ) {
        self.kind = kind
        self.time = time
        self.lastTime = lastTime ?? time
        self.count = count
        self.principal = principal
        self.groups = groups
        self.tenant = tenant
        self.resourceType = resourceType
        self.resourceName = resourceName
        self.access = access
        self.apiName = apiName
        self.apiVersion = apiVersion
        self.result = result
        self.policyId = policyId
        self.policyVersion = policyVersion
        self.reason = reason
        self.clientAddress = clientAddress
        self.clientPort = clientPort
        self.listener = listener
        self.connectionId = connectionId
        self.correlationId = correlationId
        self.clientId = clientId
        self.mechanism = mechanism
        self.tls = tls
        self.action = action
        self.before = before
        self.after = after
    }

    /// `type:name`, the form `--resource` filters match.
    public var resource: String { resourceType.isEmpty ? resourceName : "\(resourceType):\(resourceName)" }
}

/// An event as stored: its place in the chain.
public struct AuditRecord: Sendable, Hashable {
    public var sequence: UInt64
    public var event: AuditEvent

    public init(sequence: UInt64, event: AuditEvent) {
        self.sequence = sequence
        self.event = event
    }
}
