import AuditLog
import Foundation
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

    /// Opens the audit log the configuration describes (nil when it is disabled).
    static func open(config: AuditConfig, logger: Logger) throws -> BrokerAudit {
        guard config.enabled else { return BrokerAudit(writer: nil) }
        let writer = try AuditLogWriter(config: config, logger: logger, alarm: { error, lost in
            logger.critical("audit events could not be persisted", metadata: ["error": "\(error)", "lost": "\(lost)"])
        })
        return BrokerAudit(writer: writer)
    }

    /// Records `event`; its ticket joins `trail` when the event belongs to a request.
    func record(_ event: AuditEvent, trail: AuditTrail? = nil) {
        guard let writer else { return }
        let ticket = writer.record(event)
        trail?.add(ticket)
    }

    /// A broker lifecycle event (start, stop, policy reloads).
    func lifecycle(_ action: String, reason: String = "", result: AuditResult = .allowed) {
        record(AuditEvent(kind: .lifecycle, time: Self.nowMs(), result: result, action: action, reason: reason))
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
