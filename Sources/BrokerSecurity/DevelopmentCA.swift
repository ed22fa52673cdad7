import Crypto
import Foundation
import SwiftASN1
import X509

/// The private certificate authority and broker certificate of a broker started without
/// configuration (secure by default). Issued once into `<log.dirs>/tls/` and reused after:
/// a client trusts `ca.pem` once and keeps trusting the broker across restarts.
///
/// P-256 keys: fast to generate at first start and accepted by every Kafka client's TLS.
public enum DevelopmentCA {
    public struct Paths: Sendable, Equatable {
        public let directory: String
        /// The CA certificate clients trust (`ssl.ca.location`).
        public var caCertificate: String { directory + "/ca.pem" }
        /// The CA's private key (0600): only `bulwark` needs it, to issue more later.
        public var caKey: String { directory + "/ca.key" }
        /// The broker's private key and certificate chain in one PEM (0600), `ssl.keystore.location`.
        public var keyStore: String { directory + "/broker-keystore.pem" }

        public init(dataDirectory: String) { directory = dataDirectory + "/tls" }
    }

    /// Hosts the broker certificate names: the secure default listens on loopback only.
    public static let dnsNames = ["localhost"]
    public static let ipAddresses: [[UInt8]] = [[127, 0, 0, 1]]
    static let caLifetime: TimeInterval = 10 * 365 * 86_400
    static let brokerLifetime: TimeInterval = 825 * 86_400

    /// Returns the paths, issuing the CA and broker certificate first when they do not
    /// exist yet (`created` is then true). Files are written to a staging directory and
    /// renamed into place, so a crash mid-way never leaves half a CA behind.
    public static func ensure(dataDirectory: String, now: Date = Date()) throws(SecurityError) -> (paths: Paths, created: Bool) {
        let paths = Paths(dataDirectory: dataDirectory)
        let fm = FileManager.default
        if fm.fileExists(atPath: paths.keyStore), fm.fileExists(atPath: paths.caCertificate) {
            return (paths, false)
        }
        let issued: Issued
        do {
            issued = try issue(now: now)
        } catch {
            throw SecurityError(.tls, "cannot issue the development certificates: \(error)")
        }
        let staging = paths.directory + ".staging-\(getpid())"
        try? fm.removeItem(atPath: staging)
        guard mkdir(staging, 0o755) == 0 else {  // ca.pem is for everyone; keys are 0600
            throw SecurityError(.tls, "cannot create \(staging): \(String(cString: strerror(errno)))")
        }
        try SecureFile.create(staging + "/ca.key", contents: issued.caKeyPEM, mode: 0o600)
        try SecureFile.create(staging + "/broker-keystore.pem", contents: issued.brokerKeyPEM + issued.brokerCertificatePEM,
                              mode: 0o600)
        try SecureFile.create(staging + "/ca.pem", contents: issued.caCertificatePEM, mode: 0o644)
        // A directory left by an interrupted first start holds no usable pair: replace it.
        try? fm.removeItem(atPath: paths.directory)
        guard rename(staging, paths.directory) == 0 else {
            throw SecurityError(.tls, "cannot move the development certificates into \(paths.directory): \(String(cString: strerror(errno)))")
        }
        return (paths, true)
    }

    /// PEM text of a fresh CA and a broker certificate it signed.
    public struct Issued: Sendable {
        public var caCertificatePEM: String
        public var caKeyPEM: String
        public var brokerCertificatePEM: String
        public var brokerKeyPEM: String
    }

    /// Issues a CA (path length 0, keyCertSign) and a server certificate for localhost and
    /// 127.0.0.1, both with random serial numbers. Pure apart from the random numbers.
    public static func issue(now: Date) throws -> Issued {
        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName {
            OrganizationName("Bulwark")
            CommonName("Bulwark development CA")
        }
        let caPublic = Certificate.PublicKey(caKey.publicKey)
        let caCertificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: caPublic,
            notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(caLifetime),
            issuer: caName, subject: caName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: caPublic)
            },
            issuerPrivateKey: .init(caKey))

        let brokerKey = P256.Signing.PrivateKey()
        let brokerPublic = Certificate.PublicKey(brokerKey.publicKey)
        let brokerName = try DistinguishedName {
            OrganizationName("Bulwark")
            CommonName("localhost")
        }
        var names = dnsNames.map { GeneralName.dnsName($0) }
        names += ipAddresses.map { GeneralName.ipAddress(ASN1OctetString(contentBytes: $0[...])) }
        let brokerCertificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: brokerPublic,
            notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(brokerLifetime),
            issuer: caName, subject: brokerName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names)
                SubjectKeyIdentifier(hash: brokerPublic)
                AuthorityKeyIdentifier(keyIdentifier: SubjectKeyIdentifier(hash: caPublic).keyIdentifier)
            },
            issuerPrivateKey: .init(caKey))

        return Issued(caCertificatePEM: try caCertificate.serializeAsPEM().pemString + "\n",
                      caKeyPEM: caKey.pemRepresentation + "\n",
                      brokerCertificatePEM: try brokerCertificate.serializeAsPEM().pemString + "\n",
                      brokerKeyPEM: brokerKey.pemRepresentation + "\n")
    }
}
