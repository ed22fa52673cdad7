import AuditLog
import EnvelopeCrypto
import Foundation
import LogStorage

/// How `bulwark keys` reaches a running broker: request files in
/// `<log.dirs>/keys/requests/` (mode 0700, inside the key store, so only the broker's
/// OS user can ask). The CLI writes `<id>.request` atomically; the broker takes it,
/// carries it out and writes `<id>.result`; the CLI reads and removes that. No socket,
/// no new port, and the same permissions as the key files themselves.
public enum KeyAdminMailbox {
    public struct Request: Codable, Sendable, Equatable {
        public enum Operation: String, Codable, Sendable {
            case reencrypt
            case shred
            case rotateKEK = "rotate-kek"
        }

        public var id: String
        public var operation: Operation
        /// shred and rotate-kek: the topic.
        public var topic: String?
        /// shred: a tenant's scope instead of a topic's.
        public var tenant: String?
        public var reencrypt: ReencryptRequest?
        /// The OS user who ran the CLI, for the audit event.
        public var requestedBy: String

        public init(id: String = UUID().uuidString, operation: Operation, topic: String? = nil, tenant: String? = nil,
                    reencrypt: ReencryptRequest? = nil, requestedBy: String) {
            self.id = id
            self.operation = operation
            self.topic = topic
            self.tenant = tenant
            self.reencrypt = reencrypt
            self.requestedBy = requestedBy
        }
    }

    public struct Result: Codable, Sendable, Equatable {
        public var ok: Bool
        public var message: String
        public var report: ReencryptReport?

        public init(ok: Bool, message: String, report: ReencryptReport? = nil) {
            self.ok = ok
            self.message = message
            self.report = report
        }
    }

    public static func directory(dataDirectory: String) -> String { dataDirectory + "/keys/requests" }

    /// Writes a request where the broker looks for it (temp file, then rename).
    public static func submit(_ request: Request, dataDirectory: String) throws {
        let dir = directory(dataDirectory: dataDirectory)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let data = try JSONEncoder().encode(request)
        let temp = dir + "/\(request.id).tmp"
        guard FileManager.default.createFile(atPath: temp, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temp])
        }
        try FileManager.default.moveItem(atPath: temp, toPath: dir + "/\(request.id).request")
    }

    /// Waits for the broker's answer (polling), removes it and returns it; nil on timeout.
    public static func awaitResult(id: String, dataDirectory: String, timeout: Duration) -> Result? {
        let path = directory(dataDirectory: dataDirectory) + "/\(id).result"
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let data = FileManager.default.contents(atPath: path), let result = try? JSONDecoder().decode(Result.self, from: data) {
                try? FileManager.default.removeItem(atPath: path)
                return result
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return nil
    }

    /// Requests waiting in the mailbox, oldest first (the broker's side).
    static func pending(dataDirectory: String) -> [(path: String, request: Request?)] {
        let dir = directory(dataDirectory: dataDirectory)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".request") }.sorted()
        return names.map { name in
            let path = dir + "/" + name
            let request = FileManager.default.contents(atPath: path).flatMap { try? JSONDecoder().decode(Request.self, from: $0) }
            return (path, request)
        }
    }

    static func answer(_ id: String, _ result: Result, dataDirectory: String) {
        let dir = directory(dataDirectory: dataDirectory)
        guard let data = try? JSONEncoder().encode(result) else { return }
        let temp = dir + "/\(id).result.tmp"
        if FileManager.default.createFile(atPath: temp, contents: data, attributes: [.posixPermissions: 0o600]) {
            _ = rename(temp, dir + "/\(id).result")
        }
    }
}

extension KeyAdminMailbox.Request {
    /// The key scope a shred or rotate-kek names.
    public var scope: KeyScope? {
        if let tenant { return .tenant(tenant) }
        return topic.map { .topic($0) }
    }

    /// The audit `admin` event of this key operation, whoever carries it out (the broker,
    /// or the CLI on a stopped broker): `action` is `keys-<operation>`, the resource the
    /// topic (`*` for a whole-store re-encryption), the principal the OS user who ran
    /// `bulwark keys` (`local:<user>`), the result `denied` when the operation failed.
    public func auditEvent(ok: Bool, message: String) -> AuditEvent {
        let topics = topic.map { [$0] } ?? tenant.map { [$0] } ?? reencrypt?.topics ?? []
        return AuditEvent(
            kind: .admin, time: Int64(Date().timeIntervalSince1970 * 1000), principal: "local:\(requestedBy)",
            resourceType: tenant == nil ? "topic" : "tenant",
            resourceName: topics.isEmpty ? "*" : topics.joined(separator: ","), access: "alter", apiName: "bulwark keys",
            result: ok ? .allowed : .denied, action: "keys-\(operation.rawValue)", reason: message)
    }
}

/// Wording shared by the broker and the CLI.
public enum KeyScopeNames {
    /// Tenancy (issue 10) does not exist yet: nothing is sealed under a tenant's KEK, so
    /// "shredding" one would destroy nothing. Refused rather than pretended.
    public static func noTenantKeys(_ tenant: String) -> String {
        "the key store holds no keys of tenant \(tenant): tenants do not exist yet, every topic is sealed under its own topic KEK (shred --topic)"
    }
}
