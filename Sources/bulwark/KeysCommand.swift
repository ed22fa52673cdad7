import ArgumentParser
import EnvelopeCrypto
import Foundation

/// `bulwark keys …`: the key hierarchy of encryption at rest, on a stopped broker's
/// data directory (the keyring is locked while a broker runs).
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Manage encryption-at-rest keys.",
        discussion: """
            The master key comes from the same place as the broker's: --master-key-file (mode 0600), \
            --master-key-env or --passphrase-file. Every KEK and DEK is stored wrapped in <data-dir>/keys; \
            no plaintext key is ever written. When a broker is running on the data directory (it holds \
            <data-dir>/keys/.lock), reencrypt, shred and rotate-kek are handed to it through \
            <data-dir>/keys/requests/ and carried out online; otherwise the command does the work itself. \
            status and restore need the broker stopped; backup works either way.
            """,
        subcommands: [
            KeysStatus.self, KeysRotateKEK.self, KeysReencrypt.self, KeysShred.self, KeysBackup.self, KeysRestore.self,
            KeysGenerateMasterKey.self,
        ]
    )
}

/// Where the master key comes from and which data directory; shared by the subcommands.
struct KeyOptions: ParsableArguments {
    @Option(help: "The broker's data directory (log.dirs).") var dataDir: String
    @Option(help: "Master key file: 64 hex digits, base64 or 32 raw bytes; mode 0600.") var masterKeyFile: String?
    @Option(help: "Environment variable holding the master key (hex or base64).") var masterKeyEnv: String?
    @Option(help: "File whose first line is a passphrase (mode 0600), stretched with scrypt.") var passphraseFile: String?

    var keyDirectory: String { dataDir + "/keys" }

    /// The master key source; `keyDirectory` is where a passphrase's scrypt salt lives.
    func provider(keyDirectory: String? = nil) throws -> any MasterKeyProvider {
        switch (masterKeyFile, masterKeyEnv, passphraseFile) {
        case (let file?, nil, nil): return KeyFileMasterKeyProvider(path: file)
        case (nil, let variable?, nil): return EnvironmentMasterKeyProvider(variable: variable)
        case (nil, nil, let file?): return PassphraseMasterKeyProvider(passphraseFile: file, keyDirectory: keyDirectory ?? self.keyDirectory)
        default: throw ValidationError("give exactly one of --master-key-file, --master-key-env, --passphrase-file")
        }
    }

    /// Whether a broker (or another `bulwark keys`) has the key store open now.
    var brokerIsRunning: Bool { Keyring.isInUse(directory: keyDirectory) }

    func openKeyring() throws -> Keyring {
        let provider = try provider()
        guard FileManager.default.fileExists(atPath: keyDirectory + "/master.check") else {
            throw ValidationError("\(keyDirectory) holds no keyring (encryption was never enabled on this data directory)")
        }
        do {
            return try Keyring(directory: keyDirectory, provider: provider)
        } catch {
            throw ValidationError(error.message)
        }
    }
}

struct KeysGenerateMasterKey: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate-master-key", abstract: "Write a new random master key to a file created with mode 0600.")

    @Argument(help: "The key file to create (must not exist).") var path: String

    func run() throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ValidationError("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let text = Array((MasterKey.random().hex + "\n").utf8)
        guard text.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == text.count, fsync(fd) == 0 else {
            throw ValidationError("cannot write \(path)")
        }
        print("master key written to \(path) (mode 0600); keep a copy somewhere safe: without it the data cannot be read")
    }
}
