import BrokerSecurity
import Foundation
import PolicyEngine

/// Reads a configuration (its raw properties, so it also judges settings `serve` would
/// refuse) and the data directory, and reports the insecure settings it finds.
///
/// Checks: plaintext or PLAIN-without-TLS listeners on a non-loopback address, key and
/// credential files others can read, TLS below 1.2, wildcard super users, allow-everything
/// authorization, audit off or fail-open, encryption off, certificates expiring within 30
/// days, and an admin listener reachable from the network without TLS or credentials.
public struct SecurityDoctor: Sendable {
    public var props: ServerProperties
    /// Seconds since the epoch (injected so tests can move the clock).
    public var now: Int
    /// Permission bits of a file, nil when it does not exist (injected for tests).
    public var mode: @Sendable (String) -> UInt16?
    /// The configuration file, when there is one: it holds secrets when it sets passwords.
    public var configFile: String?

    public init(props: ServerProperties, configFile: String? = nil, now: Int = Int(Date().timeIntervalSince1970),
                mode: @escaping @Sendable (String) -> UInt16? = SecurityDoctor.fileMode) {
        self.props = props
        self.configFile = configFile
        self.now = now
        self.mode = mode
    }

    public static func fileMode(_ path: String) -> UInt16? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return UInt16(st.st_mode & 0o7777)
    }

    public var dataDirectory: String {
        (props["log.dirs"] ?? props["log.dir"]).flatMap { $0.split(separator: ",").first.map(String.init) }?.trimmingWhitespace()
            ?? BrokerConfig().logDir
    }

    public func run() -> [DoctorFinding] {
        var out: [DoctorFinding] = []
        out += listenerFindings()
        out += tlsFindings()
        out += fileFindings()
        out += authorizationFindings()
        out += auditFindings()
        out += encryptionFindings()
        out += adminFindings()
        return out.sorted { ($0.severity, $1.id) > ($1.severity, $0.id) }
    }

    // MARK: - Listeners

    struct ListenerView {
        var name: String
        var host: String
        var proto: SecurityProtocol
    }

    /// The configured listeners with their protocols; empty without `listeners` (the
    /// secure default: SASL_SSL with generated certificates).
    func listeners() -> [ListenerView] {
        guard let text = props["listeners"], let parsed = try? Listener.parseList(text, key: "listeners") else { return [] }
        let map = (try? ListenerSecurity.parseProtocolMap(props["listener.security.protocol.map"])) ?? [:]
        return parsed.compactMap { l in map[l.name].map { ListenerView(name: l.name, host: l.host, proto: $0) } }
    }

    static func isLoopback(_ host: String) -> Bool { OperationsSettings.AdminSettings.isLoopback(host) }

    func value(_ key: String, listener: String) -> (key: String, value: String)? {
        let prefixed = "listener.name.\(listener.lowercased()).\(key)"
        if let v = props[prefixed] { return (prefixed, v) }
        return props[key].map { (key, $0) }
    }

    func listenerFindings() -> [DoctorFinding] {
        var out: [DoctorFinding] = []
        for l in listeners() where !Self.isLoopback(l.host) {
            let address = l.host.isEmpty ? "every interface" : l.host
            if l.proto == .plaintext {
                out.append(DoctorFinding(
                    id: "plaintext-listener", severity: .high, subject: "listeners (\(l.name))",
                    problem: "PLAINTEXT on \(address): no authentication, no encryption, every client is ANONYMOUS.",
                    fix: "use SASL_SSL (or SSL with ssl.client.auth=required), or bind it to 127.0.0.1"))
            }
            if l.proto == .saslPlaintext {
                let mechanisms = (value("sasl.enabled.mechanisms", listener: l.name)?.value ?? "GSSAPI").uppercased()
                if mechanisms.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }).contains("PLAIN") {
                    out.append(DoctorFinding(
                        id: "plain-without-tls", severity: .high, subject: "listeners (\(l.name))",
                        problem: "SASL PLAIN over SASL_PLAINTEXT on \(address): passwords cross the network in the clear.",
                        fix: "use SASL_SSL for this listener, or SCRAM-SHA-512 instead of PLAIN"))
                }
            }
        }
        return out
    }

    // MARK: - TLS

    func tlsFindings() -> [DoctorFinding] {
        var out: [DoctorFinding] = []
        let weak: Set<String> = ["SSLV2", "SSLV3", "TLSV1", "TLSV1.0", "TLSV1.1", "TLS", "SSL"]
        for key in props.order where key.hasSuffix("ssl.enabled.protocols") || key.hasSuffix("ssl.protocol") {
            let values = props[key]!.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).uppercased() }
            let bad = values.filter { weak.contains($0) }
            guard !bad.isEmpty, !(key.hasSuffix("ssl.protocol") && bad == ["TLS"]) else { continue }
            out.append(DoctorFinding(
                id: "tls-below-1.2", severity: .high, subject: key,
                problem: "allows \(bad.joined(separator: ",")): protocol versions below TLS 1.2 have known attacks.",
                fix: "\(key)=TLSv1.2,TLSv1.3 (or TLSv1.3 alone)"))
        }
        // Every key store named in the configuration, broker-wide or per listener or admin.
        var checked: Set<String> = []
        for key in props.order where key.hasSuffix("ssl.keystore.location") {
            let path = props[key]!
            guard !path.isEmpty, checked.insert(path).inserted else { continue }
            let settings = TLSSettings(keyStore: .pemFile(path: path), trustStorePath: nil, clientAuth: .none)
            guard let notAfter = settings.certificateNotValidAfter() else { continue }
            let days = (notAfter - now) / 86_400
            if notAfter <= now {
                out.append(DoctorFinding(id: "certificate-expired", severity: .high, subject: path,
                                         problem: "the certificate expired \(-days) day(s) ago: clients refuse the handshake.",
                                         fix: "issue a new certificate, replace the file and send the broker SIGHUP"))
            } else if days < 30 {
                out.append(DoctorFinding(id: "certificate-expiring", severity: .medium, subject: path,
                                         problem: "the certificate expires in \(days) day(s).",
                                         fix: "renew it now and send the broker SIGHUP (no restart needed)"))
            }
        }
        return out
    }

    // MARK: - Files

    /// Files holding keys or credentials: configured ones and the data directory's own.
    func secretFiles() -> [(path: String, what: String)] {
        var out: [(String, String)] = []
        for key in props.order {
            let v = props[key]!
            guard !v.isEmpty else { continue }
            if key.hasSuffix("ssl.keystore.location") { out.append((v, "TLS key store (\(key))")) }
            if key.hasSuffix("ssl.keystore.key") == false, ["bulwark.encryption.master.key.file", "bulwark.encryption.passphrase.file",
                                                            "bulwark.admin.token.file", "bulwark.admin.password.file",
                                                            "bulwark.audit.key.file"].contains(key) {
                out.append((v, key))
            }
            if key.hasSuffix("sasl.jaas.config"), let r = v.range(of: "keyTab=\"") {
                let rest = v[r.upperBound...]
                if let end = rest.firstIndex(of: "\"") { out.append((String(rest[..<end]), "Kerberos keytab (\(key))")) }
            }
        }
        if let configFile, props.order.contains(where: { k in
            k.hasSuffix(".password") || (k.hasSuffix("sasl.jaas.config") && props[k]!.contains("password="))
        }) {
            out.append((configFile, "configuration holding passwords"))
        }
        let data = dataDirectory
        out.append((CredentialStore.path(dataDirectory: data), "SCRAM credential store"))
        if props["bulwark.audit.key.file"] == nil {
            let auditDir = props["bulwark.audit.dir"] ?? data + "/audit"
            out.append((auditDir + "/signing.key", "audit signing key"))
        }
        let keys = data + "/keys"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: keys))?.sorted() ?? [] {
            out.append((keys + "/" + name, "wrapped key file"))
        }
        return out
    }

    func fileFindings() -> [DoctorFinding] {
        var out: [DoctorFinding] = []
        var seen: Set<String> = []
        for (path, what) in secretFiles() where seen.insert(path).inserted {
            guard let m = mode(path), m & 0o077 != 0 else { continue }
            let readable = m & 0o044 != 0
            out.append(DoctorFinding(
                id: "secret-file-permissions", severity: readable ? .high : .medium, subject: path,
                problem: "\(what) has mode \(String(m, radix: 8)): \(readable ? "readable" : "accessible") by other users.",
                fix: "chmod 600 \(path) (owned by the user the broker runs as)"))
        }
        return out
    }

    // MARK: - Authorization

    func authorizationFindings() -> [DoctorFinding] {
        var out: [DoctorFinding] = []
        let supers = (props["super.users"] ?? "").split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        for s in supers where s == "*" || s.hasSuffix(":*") {
            out.append(DoctorFinding(id: "wildcard-super-user", severity: .high, subject: "super.users",
                                     problem: "'\(s)' makes every principal a super user: every check passes.",
                                     fix: "name each super user (super.users=User:admin) or remove the entry"))
        }
        if (props["allow.everyone.if.no.acl.found"] ?? "false").lowercased() == "true" {
            out.append(DoctorFinding(id: "allow-everything-policy", severity: .high, subject: "allow.everyone.if.no.acl.found",
                                     problem: "a resource without an ACL is open to every principal.",
                                     fix: "remove the key (Kafka's default is false)"))
        }
        let enabled = !(props["authorizer.class.name"] ?? "").isEmpty || !(props["bulwark.policy.dir"] ?? "").isEmpty
        // Without `listeners` the secure default turns authorization on.
        if !enabled, props["listeners"] != nil, listeners().contains(where: { !Self.isLoopback($0.host) }) {
            out.append(DoctorFinding(id: "authorization-off", severity: .high, subject: "authorizer.class.name",
                                     problem: "no authorizer: every authenticated (or anonymous) client may do everything.",
                                     fix: "set bulwark.policy.dir to a directory of Ranger policies (or authorizer.class.name)"))
        }
        if let dir = props["bulwark.policy.dir"], !dir.isEmpty {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
            let files = names.compactMap { n in FileManager.default.contents(atPath: dir + "/" + n).map { PolicyFile(name: n, contents: $0) } }
            if let snapshot = try? PolicySnapshot.load(files: files, version: 1) {
                for lint in snapshot.lint() where lint.severity == .error && lint.message.contains("to everyone on every resource") {
                    out.append(DoctorFinding(id: "allow-everything-policy", severity: .high, subject: "\(dir)/\(lint.source)",
                                             problem: "policy \(lint.policyId): \(lint.message).",
                                             fix: "narrow the policy to named users or groups, resources and access types"))
                }
            }
        }
        return out
    }

    // MARK: - Audit and encryption

    func auditFindings() -> [DoctorFinding] {
        var out: [DoctorFinding] = []
        if (props["bulwark.audit.enabled"] ?? "true").lowercased() == "false" {
            out.append(DoctorFinding(id: "audit-off", severity: .high, subject: "bulwark.audit.enabled",
                                     problem: "no audit log: authentication, authorization and admin changes leave no trace.",
                                     fix: "remove bulwark.audit.enabled=false"))
        }
        // Admin changes and denials fail closed by default; opening them loses evidence silently.
        for kind in ["admin", "authentication", "authorization"] {
            let key = "bulwark.audit.failure.mode.\(kind)"
            if props[key]?.lowercased() == "open" {
                out.append(DoctorFinding(id: "audit-fail-open", severity: .high, subject: key,
                                         problem: "\(kind) events that cannot be persisted are dropped while the request succeeds.",
                                         fix: "\(key)=\(kind == "admin" ? "closed" : "denials-closed")"))
            }
        }
        return out
    }

    func encryptionFindings() -> [DoctorFinding] {
        guard (props["bulwark.encryption.enabled"] ?? "false").lowercased() != "true" else { return [] }
        return [DoctorFinding(id: "encryption-off", severity: .medium, subject: "bulwark.encryption.enabled",
                              problem: "records are stored unencrypted: anyone who reads the data directory or its backups reads them.",
                              fix: "bulwark keys init, then bulwark.encryption.enabled=true with bulwark.encryption.master.key.file")]
    }

    func adminFindings() -> [DoctorFinding] {
        guard let listener = props["bulwark.admin.listener"], !listener.isEmpty,
              let admin = try? OperationsSettings.resolve(props).admin, !admin.isLoopback else { return [] }
        var out: [DoctorFinding] = []
        if !admin.requiresAuthentication {
            out.append(DoctorFinding(id: "admin-unauthenticated", severity: .high, subject: "bulwark.admin.listener",
                                     problem: "metrics are served to anyone who reaches \(admin.host):\(admin.port).",
                                     fix: "bind it to 127.0.0.1, or set bulwark.admin.token.file (or user and password.file)"))
        }
        if admin.tls == nil {
            out.append(DoctorFinding(id: "admin-plaintext", severity: .medium, subject: "bulwark.admin.listener",
                                     problem: "the admin listener is plain HTTP on \(admin.host): credentials and metrics cross the network in the clear.",
                                     fix: "use https:// with ssl.keystore.location (or listener.name.admin.ssl.*)"))
        }
        return out
    }
}
