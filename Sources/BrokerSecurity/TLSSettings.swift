import NIOSSL

/// A TLS listener's settings, from Kafka's `ssl.*` keys, and the NIOSSL context they make.
/// Client certificates are verified only as `clientAuth` says (NIOSSL's server default
/// verifies none).
public struct TLSSettings: Sendable, Equatable {
    public enum KeyStore: Sendable, Equatable {
        /// `ssl.keystore.location`: one PEM file holding the private key and the chain.
        case pemFile(path: String)
        /// `ssl.keystore.certificate.chain` and `ssl.keystore.key`: inline PEM.
        case inline(chain: String, key: String)
    }

    /// `ssl.client.auth`
    public enum ClientAuth: String, Sendable, Equatable {
        case none, requested, required
    }

    public enum Version: String, Sendable, Equatable, Comparable {
        case tls12 = "TLSv1.2"
        case tls13 = "TLSv1.3"
        public static func < (a: Version, b: Version) -> Bool { a == .tls12 && b == .tls13 }
        var nio: TLSVersion { self == .tls12 ? .tlsv12 : .tlsv13 }
    }

    public var keyStore: KeyStore
    /// `ssl.truststore.location`: a PEM CA bundle that client certificates must chain to.
    public var trustStorePath: String?
    public var clientAuth: ClientAuth
    public var minimumVersion: Version
    public var maximumVersion: Version
    /// `ssl.key.password`: decrypts an encrypted PEM private key.
    public var keyPassword: KeyPassword?

    /// A key password that never appears when the settings are printed or logged.
    public struct KeyPassword: Sendable, Equatable, CustomStringConvertible {
        let bytes: [UInt8]
        public init(_ text: String) { bytes = Array(text.utf8) }
        public var description: String { "[hidden]" }
    }

    public init(keyStore: KeyStore, trustStorePath: String?, clientAuth: ClientAuth,
                minimumVersion: Version = .tls12, maximumVersion: Version = .tls13, keyPassword: KeyPassword? = nil) {
        self.keyStore = keyStore
        self.keyPassword = keyPassword
        self.trustStorePath = trustStorePath
        self.clientAuth = clientAuth
        self.minimumVersion = minimumVersion
        self.maximumVersion = maximumVersion
    }

    /// The files this listener's TLS context is built from: the ones to watch for changes.
    public var files: [String] {
        var out: [String] = []
        if case .pemFile(let path) = keyStore { out.append(path) }
        if let trustStorePath { out.append(trustStorePath) }
        return out
    }

    /// When the server certificate (the first of the chain) stops being valid, in seconds
    /// since the epoch; nil when it cannot be read.
    public func certificateNotValidAfter() -> Int? {
        let chain: [NIOSSLCertificate]?
        switch keyStore {
        case .pemFile(let path): chain = try? NIOSSLCertificate.fromPEMFile(path)
        case .inline(let pem, _): chain = try? NIOSSLCertificate.fromPEMBytes(Array(pem.utf8))
        }
        return chain?.first.map { Int($0.notValidAfter) }
    }

    /// Builds the server context; errors name the file or setting but never key material.
    public func makeContext() throws(SecurityError) -> NIOSSLContext {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            switch keyStore {
            case .pemFile(let path):
                chain = try NIOSSLCertificate.fromPEMFile(path)
                if let keyPassword {
                    key = try NIOSSLPrivateKey(file: path, format: .pem) { setter in setter(keyPassword.bytes) }
                } else {
                    key = try NIOSSLPrivateKey(file: path, format: .pem)
                }
            case .inline(let chainPEM, let keyPEM):
                chain = try NIOSSLCertificate.fromPEMBytes(Array(chainPEM.utf8))
                if let keyPassword {
                    key = try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem) { setter in setter(keyPassword.bytes) }
                } else {
                    key = try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem)
                }
            }
        } catch {
            throw SecurityError(.tls, "cannot load the key store (a PEM private key and certificate chain): \(error)")
        }
        guard !chain.isEmpty else { throw SecurityError(.tls, "the key store holds no certificate") }
        var config = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) },
                                                              privateKey: .privateKey(key))
        config.minimumTLSVersion = minimumVersion.nio
        config.maximumTLSVersion = maximumVersion.nio
        if let trustStorePath {
            do {
                let roots = try NIOSSLCertificate.fromPEMFile(trustStorePath)
                guard !roots.isEmpty else { throw SecurityError(.tls, "\(trustStorePath) holds no certificate") }
                config.trustRoots = .certificates(roots)
            } catch let e as SecurityError {
                throw e
            } catch {
                throw SecurityError(.tls, "cannot load the trust store \(trustStorePath): \(error)")
            }
        }
        switch clientAuth {
        case .none: config.certificateVerification = .none
        case .requested: config.certificateVerification = .optionalVerification
        case .required: config.certificateVerification = .noHostnameVerification
        }
        if clientAuth != .none, trustStorePath == nil {
            throw SecurityError(.tls, "ssl.client.auth=\(clientAuth.rawValue) needs ssl.truststore.location")
        }
        do {
            return try NIOSSLContext(configuration: config)
        } catch {
            throw SecurityError(.tls, "cannot build the TLS context: \(error)")
        }
    }
}
