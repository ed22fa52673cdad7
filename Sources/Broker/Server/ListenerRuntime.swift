import BrokerSecurity
import NIOSSL
import Synchronization

/// What a listener needs at run time: its settings, the TLS context built once at start,
/// and the credential store its SASL mechanisms check against.
final class ListenerRuntime: Sendable {
    let settings: ListenerSecurity
    private let context: Mutex<NIOSSLContext?>
    /// The context new connections use; `reloadTLS()` replaces it, open ones keep theirs.
    var tlsContext: NIOSSLContext? { context.withLock { $0 } }
    let credentials: CredentialStore
    /// GSSAPI acceptor credentials, acquired at start so a keytab without the principal
    /// fails start-up rather than the first client.
    let gssapiCredential: GssapiCredential?
    /// Failed SASL attempts: the per-address limit and the delay before a failure answer.
    let failures: RateLimitedAuthentication

    init(security: ListenerSecurity, credentials: CredentialStore) throws {
        settings = security
        self.credentials = credentials
        gssapiCredential = try security.gssapi.map { try GssapiCredential(keytab: $0.keyTab, principal: $0.principal) }
        failures = RateLimitedAuthentication(perMinute: security.failedAttemptsPerMinute,
                                             failureDelayMs: security.failedAuthenticationDelayMs)
        if let tls = security.tls {
            context = Mutex(try tls.makeContext())
        } else {
            context = Mutex(nil)
        }
    }

    /// Re-reads the key store and trust store (SIGHUP). On error the old context stays.
    func reloadTLS() throws(SecurityError) {
        guard let tls = settings.tls else { return }
        let fresh = try tls.makeContext()
        context.withLock { $0 = fresh }
    }

    /// A fresh SASL session for a connection, or nil when the listener does not use SASL.
    func makeSession() -> SaslSession? {
        guard settings.securityProtocol.usesSASL else { return nil }
        let store = credentials
        let gssapi = gssapiCredential.flatMap { c in settings.gssapi.map { (c, $0.shortNamer) } }
        return SaslSession(enabledMechanisms: settings.saslMechanisms,
                           allowsReauthentication: settings.maxReauthMs > 0) { name in
            if name == "PLAIN" { return PlainServer(lookup: store, fakeSecret: store.fakeSecret) }
            if name == "GSSAPI" {
                guard let (credential, shortNamer) = gssapi else { return nil }
                return GssapiServer(credential: credential, shortNamer: shortNamer)
            }
            guard let algorithm = ScramAlgorithm(mechanism: name) else { return nil }
            return ScramServer(algorithm: algorithm, lookup: store, fakeSecret: store.fakeSecret)
        }
    }

    /// The principal for a client certificate: its first URI SAN when the listener says so,
    /// else its subject through `ssl.principal.mapping.rules`; nil when neither applies.
    func principal(certificate: NIOSSLCertificate) -> String? {
        if settings.principalSource == .sanURI {
            for san in certificate._subjectAlternativeNames() where san.nameType == .uri {
                let uri = String(decoding: Array(san.contents), as: UTF8.self)
                return uri.isEmpty ? nil : "User:\(uri)"
            }
            return nil
        }
        guard let der = try? certificate.toDERBytes() else { return nil }
        return principal(certificateDER: der)
    }

    /// The principal for a client certificate's subject, by `ssl.principal.mapping.rules`.
    func principal(certificateDER der: [UInt8]) -> String? {
        guard let dn = CertificateSubject.distinguishedName(der: der), let name = settings.principalMappingRules.name(for: dn) else {
            return nil
        }
        return "User:\(name)"
    }
}
