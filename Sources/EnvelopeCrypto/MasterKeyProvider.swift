#if canImport(Glibc)
import Glibc
#endif

/// Where the master key comes from. A KMS implements this by unwrapping a data key
/// it holds; the broker calls `loadMasterKey()` once at start-up.
public protocol MasterKeyProvider: Sendable {
    /// Says where the key comes from (never the key), for logs and errors.
    var source: String { get }
    func loadMasterKey() throws(EnvelopeError) -> MasterKey
}

/// A key file: 32 raw bytes, 64 hex digits or base64. Its mode must give nothing to
/// group or others (0600 or 0400); a wider file is refused rather than used, since
/// the key may already have leaked and the operator must know.
public struct KeyFileMasterKeyProvider: MasterKeyProvider {
    public let path: String

    public init(path: String) { self.path = path }

    public var source: String { "key file \(path)" }

    public func loadMasterKey() throws(EnvelopeError) -> MasterKey {
        try Self.checkPrivate(path, what: "master key file")
        guard let bytes = try KeyFileIO.read(path, limit: 4096) else {
            throw EnvelopeError(.masterKeyUnavailable, "master key file \(path) does not exist")
        }
        do {
            return try MasterKey.parse(bytes)
        } catch {
            throw EnvelopeError(.masterKeyUnavailable, "master key file \(path): \(error.message)")
        }
    }

    /// Refuses a secret file that group or others may read or write.
    static func checkPrivate(_ path: String, what: String) throws(EnvelopeError) {
        guard let mode = KeyFileIO.mode(path) else {
            throw EnvelopeError(.masterKeyUnavailable, "\(what) \(path) does not exist")
        }
        guard mode & 0o077 == 0 else {
            throw EnvelopeError(
                .masterKeyUnavailable,
                "\(what) \(path) has mode \(String(mode, radix: 8)); it must be 0600 or 0400 (chmod 600 \(path))")
        }
    }
}

/// An environment variable holding 64 hex digits or base64 of 32 bytes.
public struct EnvironmentMasterKeyProvider: MasterKeyProvider {
    public let variable: String

    public init(variable: String) { self.variable = variable }

    public var source: String { "environment variable \(variable)" }

    public func loadMasterKey() throws(EnvelopeError) -> MasterKey {
        guard let value = getenv(variable) else {
            throw EnvelopeError(.masterKeyUnavailable, "environment variable \(variable) is not set")
        }
        do {
            return try MasterKey.parse(Array(String(cString: value).utf8))
        } catch {
            throw EnvelopeError(.masterKeyUnavailable, "environment variable \(variable): \(error.message)")
        }
    }
}

/// A passphrase (first line of a 0600 file) stretched with scrypt, which is
/// memory-hard: N = 2^15, r = 8, p = 1 takes 32 MiB and ~0.1 s per guess. The salt and
/// parameters are not secret; they live in `keys/master.kdf`, created on first use.
public struct PassphraseMasterKeyProvider: MasterKeyProvider {
    public let passphraseFile: String
    public let parametersFile: String

    public init(passphraseFile: String, keyDirectory: String) {
        self.passphraseFile = passphraseFile
        self.parametersFile = keyDirectory + "/master.kdf"
    }

    public var source: String { "passphrase file \(passphraseFile) (scrypt)" }

    public func loadMasterKey() throws(EnvelopeError) -> MasterKey {
        try KeyFileMasterKeyProvider.checkPrivate(passphraseFile, what: "passphrase file")
        guard let bytes = try KeyFileIO.read(passphraseFile, limit: 4096) else {
            throw EnvelopeError(.masterKeyUnavailable, "passphrase file \(passphraseFile) does not exist")
        }
        let passphrase = Array(bytes.prefix { $0 != 0x0A && $0 != 0x0D })
        guard passphrase.count >= 12 else {
            throw EnvelopeError(.masterKeyUnavailable, "the passphrase in \(passphraseFile) is shorter than 12 bytes")
        }
        let parameters = try ScryptParameters.loadOrCreate(parametersFile)
        guard let key = LibCrypto.scrypt(
            passphrase: passphrase, salt: parameters.salt, n: parameters.n, r: parameters.r, p: parameters.p,
            maxMemory: parameters.n * parameters.r * 128 + (16 << 20))
        else { throw EnvelopeError(.masterKeyUnavailable, "scrypt failed with the parameters in \(parametersFile)") }
        return try MasterKey(bytes: key)
    }
}
