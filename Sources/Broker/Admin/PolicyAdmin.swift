import AuditLog
import BrokerSecurity
import Foundation
import Logging
import NIOHTTP1

/// `bulwark policy apply` on the admin listener: `PUT /v1/policies/<file>.json` puts a
/// policy file in force, `DELETE` removes one, `GET /v1/policies` lists the files and the
/// version in force.
///
/// The caller authenticates as a SCRAM user of the broker with HTTP Basic (checked as SASL
/// PLAIN is, with the same stand-in work for unknown users), and the change is allowed by
/// Ranger's delegated-admin rule (`PolicyStore.apply`). Use a TLS admin listener: Basic
/// sends the password.
public final class PolicyAdmin: Sendable {
    private let store: PolicyStore
    private let credentials: CredentialStore
    private let audit: BrokerAudit
    private let logger: Logger

    init(store: PolicyStore, credentials: CredentialStore, audit: BrokerAudit, logger: Logger) {
        self.store = store
        self.credentials = credentials
        self.audit = audit
        self.logger = logger
    }

    static let prefix = "/v1/policies"

    func respond(method: String, route: String, authorization: String?, body: [UInt8], client: String) -> AdminServer.Reply {
        guard let user = authenticate(authorization) else {
            audit.record(AuditEvent(kind: .authentication, time: BrokerAudit.nowMs(), result: .denied, action: "admin-login",
                                    reason: "HTTP Basic credentials missing or wrong", clientAddress: client, mechanism: "PLAIN"))
            return AdminServer.Reply(status: .unauthorized, body: Array("authentication required\n".utf8),
                                     headers: [("WWW-Authenticate", "Basic realm=\"bulwark\"")])
        }
        let principal = "User:" + user
        let name = route.dropFirst(Self.prefix.count).drop { $0 == "/" }
        switch (method, name.isEmpty) {
        case ("GET", true):
            let files = store.filesInForce.map { "\"\($0.name)\"" }.joined(separator: ",")
            return json(.ok, #"{"version":\#(store.evaluator.snapshot.version),"files":[\#(files)]}"#)
        case ("PUT", false), ("DELETE", false):
            do {
                let version = try store.apply(fileName: String(name), contents: method == "PUT" ? Data(body) : nil,
                                              principal: principal) { file, before, outcome, result in
                    audit.record(AuditEvent(kind: .admin, time: BrokerAudit.nowMs(), principal: principal,
                                            resourceType: "policy", resourceName: file, access: "apply", result: result,
                                            action: method == "PUT" ? "apply-policy" : "delete-policy",
                                            reason: result == .allowed ? "" : outcome, clientAddress: client, mechanism: "PLAIN",
                                            before: before, after: result == .allowed ? outcome : before))
                }
                logger.info("policy file applied", metadata: ["file": "\(name)", "principal": "\(principal)", "version": "\(version)"])
                return json(.ok, #"{"version":\#(version)}"#)
            } catch {
                let status: HTTPResponseStatus = switch error.kind {
                case .invalid: .badRequest
                case .forbidden: .forbidden
                case .unavailable: .serviceUnavailable
                }
                return AdminServer.Reply(status: status, body: Array((error.message + "\n").utf8))
            }
        default:
            return AdminServer.Reply(status: .methodNotAllowed, body: Array("GET \(Self.prefix), PUT or DELETE \(Self.prefix)/<file>.json\n".utf8))
        }
    }

    /// The user named by a valid `Basic` header, or nil. A known user with a wrong password
    /// and an unknown user cost the same and answer the same.
    private func authenticate(_ header: String?) -> String? {
        guard let header, header.hasPrefix("Basic "),
              let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let colon = decoded.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        let user = Array(decoded[decoded.startIndex..<colon]), password = Array(decoded[(colon + 1)...])
        var plain = PlainServer(lookup: credentials, fakeSecret: credentials.fakeSecret)
        guard case .success(let name, _) = plain.step([0] + user + [0] + password) else { return nil }
        return name
    }

    private func json(_ status: HTTPResponseStatus, _ text: String) -> AdminServer.Reply {
        AdminServer.Reply(status: status, contentType: "application/json", body: Array((text + "\n").utf8))
    }
}
