import BrokerSecurity

/// Kafka's security protocols, which `listener.security.protocol.map` assigns to listener names.
public enum SecurityProtocol: String, Sendable, CaseIterable {
    case plaintext = "PLAINTEXT"
    case ssl = "SSL"
    case saslPlaintext = "SASL_PLAINTEXT"
    case saslSsl = "SASL_SSL"

    public var usesTLS: Bool { self == .ssl || self == .saslSsl }
    public var usesSASL: Bool { self == .saslPlaintext || self == .saslSsl }
}

/// One listener's security: its protocol, SASL mechanisms, TLS settings and principal rules,
/// resolved from the broker-wide keys and their `listener.name.<name>.` overrides.
public struct ListenerSecurity: Sendable {
    public var securityProtocol: SecurityProtocol = .plaintext
    public var saslMechanisms: [String] = []
    public var tls: TLSSettings? = nil
    public var principalMappingRules: PrincipalMappingRules = .default
    /// Where a client certificate's principal comes from (`bulwark.ssl.principal.source`):
    /// the subject DN through `ssl.principal.mapping.rules`, or the first URI subject
    /// alternative name (a SPIFFE ID such as `spiffe://example.org/ns/a/sa/b`).
    public enum PrincipalSource: String, Sendable {
        case subject
        case sanURI = "san-uri"
    }
    public var principalSource = PrincipalSource.subject
    /// `connections.max.reauth.ms` (KIP-368): 0 means sessions never expire.
    public var maxReauthMs: Int64 = 0
    /// `sasl.server.max.receive.size`: the largest frame accepted before authentication.
    public var saslMaxReceiveSize = 524_288
    /// Kerberos settings when GSSAPI is enabled (see ListenerSecurity+Gssapi.swift).
    public var gssapi: GssapiSettings? = nil
    /// `bulwark.sasl.failed.attempts.per.minute`: failed SASL attempts per client address
    /// before further attempts from it fail regardless of credentials; 0 turns it off.
    public var failedAttemptsPerMinute = 30
    /// `connection.failed.authentication.delay.ms` (Kafka's name and default): the pause
    /// before a failed authentication is answered and closed.
    public var failedAuthenticationDelayMs: Int64 = 100

    /// SASL mechanisms this broker implements.
    public static let supportedMechanisms = ["GSSAPI", "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]

    /// The keys read here; each may also be given per listener as `listener.name.<name>.<key>`.
    static let keys: Set<String> = kerberosKeys.union([
        "sasl.enabled.mechanisms", "ssl.keystore.type", "ssl.keystore.location", "ssl.keystore.certificate.chain",
        "ssl.keystore.key", "ssl.key.password", "ssl.keystore.password", "ssl.truststore.type", "ssl.truststore.location",
        "ssl.truststore.password", "ssl.client.auth", "ssl.enabled.protocols", "ssl.protocol",
        "ssl.principal.mapping.rules", "ssl.endpoint.identification.algorithm", "bulwark.sasl.plain.allow.insecure",
        "sasl.server.max.receive.size", "bulwark.ssl.principal.source", "connections.max.reauth.ms",
        "bulwark.sasl.failed.attempts.per.minute", "connection.failed.authentication.delay.ms",
    ])

    /// Kafka's default map: every protocol name maps to itself.
    static func parseProtocolMap(_ text: String?) throws(ConfigError) -> [String: SecurityProtocol] {
        var map: [String: SecurityProtocol] = [:]
        for p in SecurityProtocol.allCases { map[p.rawValue] = p }
        guard let text else { return map }
        for item in text.split(separator: ",").map({ String($0).trimmingWhitespace() }) where !item.isEmpty {
            let kv = item.split(separator: ":", maxSplits: 1).map { String($0).trimmingWhitespace() }
            guard kv.count == 2, !kv[0].isEmpty, let p = SecurityProtocol(rawValue: kv[1].uppercased()) else {
                throw ConfigError(key: "listener.security.protocol.map", message: "'\(item)' is not NAME:PROTOCOL")
            }
            map[kv[0].uppercased()] = p
        }
        return map
    }

    static func resolve(listener: String, props: ServerProperties,
                        protocolMap: [String: SecurityProtocol]) throws(ConfigError) -> ListenerSecurity {
        guard let proto = protocolMap[listener] else {
            throw ConfigError(key: "listener.security.protocol.map", message: "no security protocol for listener \(listener)")
        }
        let prefix = "listener.name.\(listener.lowercased())."
        func value(_ key: String) -> (key: String, value: String)? {
            if let v = props[prefix + key] { return (prefix + key, v) }
            if let v = props[key] { return (key, v) }
            return nil
        }
        var s = ListenerSecurity()
        s.securityProtocol = proto
        if proto.usesSASL {
            // Kafka's default is GSSAPI, which then needs its JAAS entry.
            let (key, text) = value("sasl.enabled.mechanisms") ?? ("sasl.enabled.mechanisms", "GSSAPI")
            let mechanisms = text.split(separator: ",").map { String($0).trimmingWhitespace().uppercased() }.filter { !$0.isEmpty }
            guard !mechanisms.isEmpty else { throw ConfigError(key: key, message: "no mechanism for listener \(listener)") }
            for m in mechanisms where !supportedMechanisms.contains(m) {
                throw ConfigError(key: key, message: "\(m) is not supported (supported: \(supportedMechanisms.joined(separator: ",")))")
            }
            if mechanisms.contains("PLAIN"), !proto.usesTLS {
                let allow = value("bulwark.sasl.plain.allow.insecure")
                guard let allow, allow.value.lowercased() == "true" else {
                    throw ConfigError(key: key, message: "PLAIN sends passwords in the clear on \(listener) (\(proto.rawValue)); use SASL_SSL or set bulwark.sasl.plain.allow.insecure=true")
                }
            }
            s.saslMechanisms = mechanisms
            if mechanisms.contains("GSSAPI") { s.gssapi = try resolveGssapi(listener: listener, props: props) }
            if let reauth = value("connections.max.reauth.ms") {
                guard let n = Int64(reauth.value), n >= 0 else {
                    throw ConfigError(key: reauth.key, message: "'\(reauth.value)' is not an integer ≥ 0")
                }
                s.maxReauthMs = n
            }
            if let size = value("sasl.server.max.receive.size") {
                guard let n = Int32(size.value), n >= 1024 else {
                    throw ConfigError(key: size.key, message: "'\(size.value)' is not an integer ≥ 1024")
                }
                s.saslMaxReceiveSize = Int(n)
            }
            if let limit = value("bulwark.sasl.failed.attempts.per.minute") {
                guard let n = Int32(limit.value), n >= 0 else {
                    throw ConfigError(key: limit.key, message: "'\(limit.value)' is not an integer ≥ 0")
                }
                s.failedAttemptsPerMinute = Int(n)
            }
            if let delay = value("connection.failed.authentication.delay.ms") {
                guard let n = Int32(delay.value), n >= 0 else {
                    throw ConfigError(key: delay.key, message: "'\(delay.value)' is not an integer ≥ 0")
                }
                s.failedAuthenticationDelayMs = Int64(n)
            }
        }
        if proto.usesTLS {
            if let t = value("ssl.keystore.type"), t.value.uppercased() != "PEM" {
                throw ConfigError(key: t.key, message: "only PEM key stores are supported")
            }
            if let t = value("ssl.truststore.type"), t.value.uppercased() != "PEM" {
                throw ConfigError(key: t.key, message: "only PEM trust stores are supported")
            }
            let keyStore: TLSSettings.KeyStore
            if let location = value("ssl.keystore.location") {
                keyStore = .pemFile(path: location.value)
            } else if let chain = value("ssl.keystore.certificate.chain"), let key = value("ssl.keystore.key") {
                keyStore = .inline(chain: chain.value, key: key.value)
            } else {
                throw ConfigError(key: prefix + "ssl.keystore.location",
                                  message: "listener \(listener) uses TLS: set ssl.keystore.location or ssl.keystore.certificate.chain and ssl.keystore.key")
            }
            var clientAuth = TLSSettings.ClientAuth.none
            if let ca = value("ssl.client.auth") {
                guard let parsed = TLSSettings.ClientAuth(rawValue: ca.value.lowercased()) else {
                    throw ConfigError(key: ca.key, message: "must be none, requested or required")
                }
                clientAuth = parsed
            }
            var versions: [TLSSettings.Version] = [.tls12, .tls13]
            if let p = value("ssl.enabled.protocols") {
                versions = []
                for item in p.value.split(separator: ",").map({ String($0).trimmingWhitespace() }) where !item.isEmpty {
                    guard let v = TLSSettings.Version(rawValue: item) else {
                        throw ConfigError(key: p.key, message: "\(item) is not supported (TLSv1.2, TLSv1.3)")
                    }
                    versions.append(v)
                }
                guard !versions.isEmpty else { throw ConfigError(key: p.key, message: "no protocol enabled") }
            }
            let trust = value("ssl.truststore.location")?.value
            if clientAuth != .none, trust == nil {
                throw ConfigError(key: prefix + "ssl.truststore.location", message: "ssl.client.auth=\(clientAuth.rawValue) needs a trust store")
            }
            s.tls = TLSSettings(keyStore: keyStore, trustStorePath: trust, clientAuth: clientAuth,
                                minimumVersion: versions.min()!, maximumVersion: versions.max()!,
                                keyPassword: value("ssl.key.password").map { TLSSettings.KeyPassword($0.value) })
            if let source = value("bulwark.ssl.principal.source") {
                guard let parsed = PrincipalSource(rawValue: source.value.lowercased()) else {
                    throw ConfigError(key: source.key, message: "must be subject or san-uri")
                }
                s.principalSource = parsed
            }
            if let rules = value("ssl.principal.mapping.rules") {
                do {
                    s.principalMappingRules = try PrincipalMappingRules(parsing: rules.value)
                } catch {
                    throw ConfigError(key: rules.key, message: error.message)
                }
            }
        }
        return s
    }
}
