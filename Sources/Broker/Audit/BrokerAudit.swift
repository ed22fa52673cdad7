import AuditLog
import Foundation
import KafkaWire
import Logging
import Synchronization

/// Where the broker's audit events go: the audit log's writer, or nowhere when
/// `bulwark.audit.enabled=false`. Recording never blocks; a request's events are awaited
/// by the dispatcher (through its `AuditTrail`) before the request is answered.
final class BrokerAudit: Sendable {
    let writer: AuditLogWriter?

    init(writer: AuditLogWriter?) {
        self.writer = writer
    }

    /// The `__bulwark_audit` topic over this log (nil when the log is off).
    var topic: AuditTopic? { writer.map(AuditTopic.init) }

    /// Opens the audit log the configuration describes (nil when it is disabled).
    /// With `sealing` (encryption at rest configured) new events are sealed.
    static func open(config: AuditConfig, logger: Logger, sealing: AuditSealing? = nil) throws -> BrokerAudit {
        guard config.enabled else { return BrokerAudit(writer: nil) }
        let writer = try AuditLogWriter(config: config, logger: logger, alarm: { error, lost in
            logger.critical("audit events could not be persisted", metadata: ["error": "\(error)", "lost": "\(lost)"])
        }, sealing: sealing)
        return BrokerAudit(writer: writer)
    }

    /// Records `event`; its ticket joins `trail` when the event belongs to a request.
    func record(_ event: AuditEvent, trail: AuditTrail? = nil) {
        guard let writer else { return }
        let ticket = writer.record(event)
        trail?.add(ticket)
    }

    /// Records `event` and returns once it is persisted; throws when it could not be and it
    /// is fail-closed. For events outside a request's trail (authentication answers).
    func recordDurably(_ event: AuditEvent) async throws {
        guard let writer else { return }
        try await writer.waitDurable(writer.record(event))
    }

    /// The APIs whose requests change state (topics, records, configs, ACLs, users, groups).
    static let adminApis: Set<KafkaApiKey> = [
        .createTopics, .deleteTopics, .deleteRecords, .createPartitions, .alterConfigs, .incrementalAlterConfigs,
        .createAcls, .deleteAcls, .alterUserScramCredentials, .deleteGroups,
    ]

    /// Whether an admin request must be refused before it runs: admin events are fail-closed
    /// and the log is failing to persist. The change would otherwise be made and only its
    /// audit event lost; refusing first keeps every change that happens audited.
    func refuses(_ api: KafkaApiKey) -> Bool {
        guard let writer, Self.adminApis.contains(api), writer.isFailing else { return false }
        return writer.config.isFailClosed(AuditEvent(kind: .admin, time: 0))
    }

    /// A broker lifecycle event (start, stop, policy reloads).
    func lifecycle(_ action: String, reason: String = "", result: AuditResult = .allowed, before: String = "", after: String = "") {
        record(AuditEvent(kind: .lifecycle, time: Self.nowMs(), result: result, action: action, reason: reason,
                          before: before, after: after))
    }

    /// Writes what is queued and stops the writer (on shutdown, after the last request).
    func close() async {
        guard let writer else { return }
        try? await writer.flush()
        writer.close()
    }

    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}

/// The audit tickets of one request. The dispatcher waits for them before the answer
/// leaves, so an acknowledged request never has audit events that a crash could lose.
final class AuditTrail: Sendable {
    private let tickets = Mutex<[AuditTicket]>([])

    func add(_ ticket: AuditTicket) {
        tickets.withLock { $0.append(ticket) }
    }

    /// Throws when a fail-closed event could not be persisted.
    func waitDurable(_ audit: BrokerAudit) async throws {
        guard let writer = audit.writer else { return }
        let pending = tickets.withLock { t in defer { t.removeAll() }; return t }
        for ticket in pending { try await writer.waitDurable(ticket) }
    }
}

extension RequestContext {
    /// An audit event of this request, with who, from where, and which request, filled in.
    func auditEvent(_ kind: AuditEventKind, resourceType: String = "", resourceName: String = "", access: String = "",
                    result: AuditResult = .allowed, action: String = "", reason: String = "") -> AuditEvent {
        AuditEvent(kind: kind, time: BrokerAudit.nowMs(), principal: principal, resourceType: resourceType,
                   resourceName: resourceName, access: access, apiName: apiKey.name, apiVersion: apiVersion,
                   result: result, action: action, reason: reason, clientAddress: clientAddress, listener: listener,
                   connectionId: connectionId, correlationId: correlationId, clientId: clientId ?? "")
    }

    /// Records an admin change of this request (topics, configs, ACLs, users) with before and after.
    func auditAdmin(_ action: String, resourceType: String, resourceName: String, result: AuditResult = .allowed,
                    reason: String = "", before: String = "", after: String = "") {
        var event = auditEvent(.admin, resourceType: resourceType, resourceName: resourceName, access: action,
                               result: result, action: action, reason: reason)
        event.before = before
        event.after = after
        audit.record(event, trail: auditTrail)
    }
}

extension RequestContext {
    /// Records what record-level rules did to one partition's records in this request
    /// (Fetch: returned, filtered, masked; Produce: accepted, refused). The request's answer
    /// waits for it like for its other events; it is fail-open unless configured otherwise
    /// (`bulwark.audit.failure.mode.recordSummary`).
    func auditRecordSummary(_ summary: AuditRecordSummary) {
        var event = AuditEvent(recordSummary: summary, time: BrokerAudit.nowMs())
        event.principal = principal
        event.apiName = apiKey.name
        event.apiVersion = apiVersion
        event.clientAddress = clientAddress
        event.listener = listener
        event.connectionId = connectionId
        event.correlationId = correlationId
        event.clientId = clientId ?? ""
        audit.record(event, trail: auditTrail)
    }
}
