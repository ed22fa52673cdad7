import EnvelopeCrypto
import LogStorage

/// Encryption at rest (`bulwark.encryption.*`).
///
/// A master key source (exactly one of key file, environment variable, passphrase
/// file) opens the keyring in `<log.dirs>/keys`; `enabled` says whether new batches
/// are sealed. A source without `enabled` still opens the keyring, so data sealed
/// before encryption was turned off stays readable.
public struct EncryptionSettings: Sendable {
    public var enabled = false
    public var masterKeyFile: String?
    public var masterKeyEnv: String?
    public var passphraseFile: String?
    /// A DEK is retired after this many batches (each segment and restart starts a new one too).
    public var dekMaxBatches: UInt64 = 1 << 20

    public init() {}

    static let keys: Set<String> = [
        "bulwark.encryption.enabled", "bulwark.encryption.master.key.file", "bulwark.encryption.master.key.env",
        "bulwark.encryption.passphrase.file", "bulwark.encryption.dek.max.batches",
    ]

    mutating func apply(_ key: String, _ value: String) throws(ConfigError) {
        let path = value.isEmpty ? nil : value
        switch key {
        case "bulwark.encryption.enabled":
            switch value {
            case "true": enabled = true
            case "false": enabled = false
            default: throw ConfigError(key: key, message: "'\(value)' is not true or false")
            }
        case "bulwark.encryption.master.key.file": masterKeyFile = path
        case "bulwark.encryption.master.key.env": masterKeyEnv = path
        case "bulwark.encryption.passphrase.file": passphraseFile = path
        case "bulwark.encryption.dek.max.batches":
            guard let n = UInt64(value), n >= 1, n <= BatchSealer.maxBatchesLimit else {
                throw ConfigError(key: key, message: "'\(value)' is not an integer from 1 to \(BatchSealer.maxBatchesLimit)")
            }
            dekMaxBatches = n
        default:
            break
        }
    }

    func validate() throws(ConfigError) {
        let sources = [masterKeyFile, masterKeyEnv, passphraseFile].compactMap { $0 }.count
        if sources > 1 {
            throw ConfigError(
                key: "bulwark.encryption.master.key.file",
                message: "set only one of master.key.file, master.key.env and passphrase.file")
        }
        if enabled && sources == 0 {
            throw ConfigError(
                key: "bulwark.encryption.enabled",
                message: "needs a master key: bulwark.encryption.master.key.file, .master.key.env or .passphrase.file")
        }
    }

    /// The configured master key source, nil when none is set.
    public func provider(keyDirectory: String) -> (any MasterKeyProvider)? {
        if let masterKeyFile { return KeyFileMasterKeyProvider(path: masterKeyFile) }
        if let masterKeyEnv { return EnvironmentMasterKeyProvider(variable: masterKeyEnv) }
        if let passphraseFile { return PassphraseMasterKeyProvider(passphraseFile: passphraseFile, keyDirectory: keyDirectory) }
        return nil
    }

    /// Opens the keyring of `dataDirectory` (checking the master key) and returns the
    /// log store's encryption, or nil when no master key source is configured.
    public func open(dataDirectory: String) throws(EnvelopeError) -> LogEncryption? {
        let keyDirectory = dataDirectory + "/keys"
        guard let provider = provider(keyDirectory: keyDirectory) else { return nil }
        let keyring = try Keyring(directory: keyDirectory, provider: provider)
        return LogEncryption(keyring: keyring, sealNewBatches: enabled, maxBatchesPerKey: dekMaxBatches)
    }
}
