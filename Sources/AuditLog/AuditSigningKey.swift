import Crypto
import EnvelopeCrypto
import Foundation

/// The Ed25519 key that signs checkpoints, the head and the retention anchor.
///
/// Stored as one hex line in a file created with mode 0600 (O_EXCL, so it is never created
/// wider and never silently replaced); a key file readable by group or others is refused.
public struct AuditSigningKey: Sendable {
    /// The raw 32-byte private key (swift-crypto's key type is not Sendable; this is
    /// rebuilt into one per signature, which costs far less than the signature).
    private let raw: [UInt8]
    public let publicKey: AuditPublicKey

    init(privateKey: Curve25519.Signing.PrivateKey) {
        self.raw = Array(privateKey.rawRepresentation)
        self.publicKey = AuditPublicKey(raw: Array(privateKey.publicKey.rawRepresentation))
    }

    var privateKey: Curve25519.Signing.PrivateKey {
        // The bytes came from a valid key, so this cannot fail.
        try! Curve25519.Signing.PrivateKey(rawRepresentation: raw)
    }

    /// A fresh key held in memory only (tests, benchmarks).
    public static func generate() -> AuditSigningKey { AuditSigningKey(privateKey: .init()) }

    /// Loads the key at `path`, creating it (mode 0600) if the file does not exist.
    public static func loadOrCreate(path: String) throws(AuditLogError) -> AuditSigningKey {
        if AuditFileIO.exists(path) { return try load(path: path) }
        try AuditFileIO.makeDirectory(AuditFileIO.directory(of: path))
        let key = generate()
        let text = Array((Hex.encode(key.privateKey.rawRepresentation) + "\n").utf8)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw AuditLogError(.io, "cannot create key file \(path): \(AuditFileIO.errorText())") }
        defer { close(fd) }
        try AuditFileIO.writeAll(fd: fd, text, path: path)
        guard fsync(fd) == 0 else { throw AuditLogError(.io, "cannot fsync \(path)") }
        try AuditFileIO.fsyncDirectory(AuditFileIO.directory(of: path))
        return key
    }

    public static func load(path: String) throws(AuditLogError) -> AuditSigningKey {
        var st = stat()
        guard stat(path, &st) == 0 else { throw AuditLogError(.badKey, "cannot read key file \(path)") }
        guard st.st_mode & 0o077 == 0 else {
            throw AuditLogError(.badKey, "key file \(path) has mode \(String(st.st_mode & 0o777, radix: 8)); it must be 0600")
        }
        let text = String(decoding: try AuditFileIO.readAll(path, limit: 4096), as: UTF8.self)
        guard let raw = Hex.decode(text.trimmingCharacters(in: .whitespacesAndNewlines)), raw.count == 32,
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw) else {
            throw AuditLogError(.badKey, "key file \(path) does not hold an Ed25519 private key")
        }
        return AuditSigningKey(privateKey: key)
    }

    func sign(_ message: [UInt8]) throws(AuditLogError) -> [UInt8] {
        do { return Array(try privateKey.signature(for: message)) } catch {
            throw AuditLogError(.badKey, "signing failed")
        }
    }
}

/// The public half: verifies signatures; identifies the log (its id is derived from it).
public struct AuditPublicKey: Sendable, Hashable {
    public let raw: [UInt8]

    public init(raw: [UInt8]) { self.raw = raw }

    /// The 16-byte log id written into every segment header: SHA-256 of the public key, cut.
    /// A segment from another log (another key) has another id.
    public var logId: [UInt8] { Array(SHA256.hash(data: raw).prefix(16)) }

    /// SubjectPublicKeyInfo PEM, readable by `openssl pkey -pubin`.
    public var pem: String {
        let spki: [UInt8] = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00] + raw
        return "-----BEGIN PUBLIC KEY-----\n\(Data(spki).base64EncodedString())\n-----END PUBLIC KEY-----\n"
    }

    /// Parses the PEM written by `pem` (or 64 hex digits).
    public init(pemOrHex text: String) throws(AuditLogError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let raw = Hex.decode(trimmed), raw.count == 32 {
            self.raw = raw
            return
        }
        let body = trimmed.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        guard let der = Data(base64Encoded: body), der.count == 44, Array(der.prefix(12)) == [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00] else {
            throw AuditLogError(.badKey, "not an Ed25519 public key (PEM SubjectPublicKeyInfo or 64 hex digits)")
        }
        self.raw = Array(der.suffix(32))
    }

    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else { return false }
        return key.isValidSignature(signature, for: message)
    }
}
