import Foundation
import NIOSSL
import Testing
import X509
@testable import BrokerSecurity

@Suite struct DevelopmentCATests {
    static func temporaryDirectory() -> String {
        let dir = NSTemporaryDirectory() + "bulwark-devca-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func mode(_ path: String) -> mode_t {
        var st = stat()
        precondition(stat(path, &st) == 0)
        return st.st_mode & 0o777
    }

    @Test func firstStartIssuesAndLaterStartsReuse() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (paths, created) = try DevelopmentCA.ensure(dataDirectory: dir)
        #expect(created)
        #expect(Self.mode(paths.caKey) == 0o600)
        #expect(Self.mode(paths.keyStore) == 0o600)
        #expect(Self.mode(paths.caCertificate) == 0o644)
        #expect(Self.mode(paths.directory) == 0o755)
        let keyStore = try String(contentsOfFile: paths.keyStore, encoding: .utf8)
        let again = try DevelopmentCA.ensure(dataDirectory: dir)
        #expect(again.created == false)
        #expect(try String(contentsOfFile: paths.keyStore, encoding: .utf8) == keyStore)
        // No staging directory is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["tls"])
        // The key store loads as a listener's TLS context.
        _ = try TLSSettings(keyStore: .pemFile(path: paths.keyStore), trustStorePath: nil, clientAuth: .none).makeContext()
    }

    @Test func brokerCertificateNamesLoopbackAndChainsToTheCA() throws {
        let now = Date()
        let issued = try DevelopmentCA.issue(now: now)
        let ca = try Certificate(pemEncoded: issued.caCertificatePEM)
        let broker = try Certificate(pemEncoded: issued.brokerCertificatePEM)
        #expect(broker.issuer == ca.subject)
        #expect(ca.issuer == ca.subject)
        #expect(try ca.extensions.basicConstraints == .isCertificateAuthority(maxPathLength: 0))
        #expect(try broker.extensions.basicConstraints == .notCertificateAuthority)
        let sans = try #require(try broker.extensions.subjectAlternativeNames)
        #expect(Array(sans) == [.dnsName("localhost"), .ipAddress(.init(contentBytes: [127, 0, 0, 1]))])
        #expect(ca.publicKey.isValidSignature(broker.signature, for: broker))
        #expect(broker.notValidAfter > now.addingTimeInterval(800 * 86_400))
        #expect(broker.serialNumber != ca.serialNumber)
        // Each issue is a new CA: two data directories never share a key.
        #expect(try DevelopmentCA.issue(now: now).caKeyPEM != issued.caKeyPEM)
    }

    @Test func interruptedFirstStartIsRedone() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A tls directory holding only the CA certificate (no key store) is not reused.
        try FileManager.default.createDirectory(atPath: dir + "/tls", withIntermediateDirectories: true)
        try "junk".write(toFile: dir + "/tls/ca.pem", atomically: true, encoding: .utf8)
        let (paths, created) = try DevelopmentCA.ensure(dataDirectory: dir)
        #expect(created)
        #expect(try String(contentsOfFile: paths.caCertificate, encoding: .utf8).hasPrefix("-----BEGIN CERTIFICATE-----"))
    }

    @Test func secureFileRefusesToReplaceOrFollowALink() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try SecureFile.create(dir + "/secret", contents: "x\n", mode: 0o600)
        #expect(Self.mode(dir + "/secret") == 0o600)
        #expect(throws: SecurityError.self) { try SecureFile.create(dir + "/secret", contents: "y\n", mode: 0o600) }
        try FileManager.default.createSymbolicLink(atPath: dir + "/link", withDestinationPath: dir + "/elsewhere")
        #expect(throws: SecurityError.self) { try SecureFile.create(dir + "/link", contents: "y\n", mode: 0o600) }
        #expect(!FileManager.default.fileExists(atPath: dir + "/elsewhere"))
    }
}
