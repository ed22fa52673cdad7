import Broker
import BrokerSecurity
import Foundation

/// `bulwark serve` with no `listeners` key: one SASL_SSL listener on loopback, a development
/// CA and broker certificate in the data directory, and an `admin` SCRAM user whose random
/// password is shown once. Nothing listens in the clear unless configured.
struct SecureDefault {
    static let host = "127.0.0.1"
    static let port = 9093
    static let listenerName = "SASL_SSL"
    static let mechanisms = "SCRAM-SHA-512,SCRAM-SHA-256"
    static let adminUser = "admin"

    let dataDirectory: String
    let paths: DevelopmentCA.Paths
    /// True when this start issued the CA (the first start on this data directory).
    let issuedCertificates: Bool
    /// The admin password when this start created the user, else nil (never shown again).
    let newAdminPassword: String?

    var passwordFile: String { dataDirectory + "/admin-password" }

    /// Issues what is missing (certificates, the admin user) and returns what was done.
    static func prepare(dataDirectory: String) throws -> SecureDefault {
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let (paths, issued) = try DevelopmentCA.ensure(dataDirectory: dataDirectory)
        let passwordFile = dataDirectory + "/admin-password"
        let store = try CredentialStore(path: CredentialStore.path(dataDirectory: dataDirectory))
        var password: String? = nil
        // An existing password file or admin user means a previous start (or the operator)
        // already did this: never replace a credential someone may be using.
        if !FileManager.default.fileExists(atPath: passwordFile), !store.list().contains(where: { $0.user == adminUser }) {
            let fresh = randomPassword()
            try SecureFile.create(passwordFile, contents: fresh + "\n", mode: 0o600)
            for algorithm in [ScramAlgorithm.sha512, .sha256] {
                try store.upsert(user: adminUser, credential: try ScramCredential.make(password: Array(fresh.utf8),
                                                                                    algorithm: algorithm, iterations: ScramAlgorithm.defaultIterations))
            }
            password = fresh
        }
        return SecureDefault(dataDirectory: dataDirectory, paths: paths, issuedCertificates: issued, newAdminPassword: password)
    }

    /// The keys the secure default sets; a key the operator gave is left as given.
    func apply(to props: inout ServerProperties) {
        let defaults: [(String, String)] = [
            ("listeners", "\(Self.listenerName)://\(Self.host):\(Self.port)"),
            ("sasl.enabled.mechanisms", Self.mechanisms),
            ("ssl.keystore.type", "PEM"),
            ("ssl.keystore.location", paths.keyStore),
            ("super.users", "User:\(Self.adminUser)"),
            // Authorization on with no policies: admin (a super user) may do everything,
            // anyone else nothing until policies or ACLs grant it.
            ("authorizer.class.name", "bulwark"),
        ]
        let hasKeyStore = props["ssl.keystore.certificate.chain"] != nil
            || props["listener.name.sasl_ssl.ssl.keystore.location"] != nil
            || props["listener.name.sasl_ssl.ssl.keystore.certificate.chain"] != nil
        for (key, value) in defaults where props[key] == nil {
            if key.hasPrefix("ssl.keystore."), hasKeyStore { continue }
            props.set(key, value)
        }
    }

    /// What the operator needs to connect: printed on stdout once the listener is up.
    func banner(port: Int) -> String {
        var lines = [
            "",
            "Bulwark is secure by default: no listeners were configured, so it listens only on",
            "  SASL_SSL://\(Self.host):\(port) (SCRAM-SHA-512, SCRAM-SHA-256; no PLAINTEXT listener)",
            "  CA certificate for clients: \(paths.caCertificate)" + (issuedCertificates ? " (new development CA)" : ""),
        ]
        if let newAdminPassword {
            lines += [
                "  admin password (shown this once; also kept in \(passwordFile), mode 0600):",
                "      \(newAdminPassword)",
            ]
        } else {
            lines.append("  admin password: in \(passwordFile)")
        }
        lines += [
            "Try it (lists the cluster):",
            "  kcat -b \(Self.host):\(port) -X security.protocol=SASL_SSL -X sasl.mechanisms=SCRAM-SHA-512"
                + " -X sasl.username=\(Self.adminUser) -X sasl.password=\"$(cat \(shellQuoted(passwordFile)))\""
                + " -X ssl.ca.location=\(shellQuoted(paths.caCertificate)) -L",
            "",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// 24 random bytes as 32 URL-safe base64 characters: nothing a shell or a properties file
    /// would reinterpret.
    static func randomPassword() -> String {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<24).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
    }
}

/// A path as one shell word: bare when it is plainly safe, else single-quoted.
func shellQuoted(_ s: String) -> String {
    let safe = s.allSatisfy { $0.isLetter || $0.isNumber || "/._-+:@".contains($0) }
    return safe && !s.isEmpty ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
