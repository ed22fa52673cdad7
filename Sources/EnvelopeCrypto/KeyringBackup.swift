// SymmetricKey is immutable storage but not marked Sendable in this swift-crypto release.
@preconcurrency import Crypto
import Foundation

/// Backup and restore of the key store's wrapped keys (`bulwark keys backup|restore`).
///
/// A backup is one JSON file holding, base64-encoded, the files of `<data>/keys`:
/// `master.check`, `master.kdf` (passphrase salt, if any) and every scope's key file.
/// All of them are wrapped or public already, so a backup holds no plaintext key; it
/// is still written 0600 because, with the master key, it opens every KEK.
///
/// Shredding and backups: a backup taken before `shred` still holds that scope's keys.
/// Restore never replaces a shredded scope's tombstone, but a copy of an old backup
/// plus the master key can still open old data: destroy backups too when shredding
/// must be final.
public enum KeyringBackup {
    static let format = "bulwark.keys.backup.v1"

    struct File: Codable {
        var format: String
        var createdAtMs: Int64
        /// File name → base64 of its bytes.
        var files: [String: String]
    }

    /// What a restore did or would do.
    public struct RestoreOutcome: Sendable, Equatable {
        public var restored: [String] = []
        /// Scopes shredded here since the backup: their tombstones were kept.
        public var keptShredded: [String] = []
        /// Current key files that the backup does not hold (left as they are).
        public var keptNotInBackup: [String] = []
        /// Current key files that already hold every key of their backup (left as they are:
        /// a running broker keeps adding keys, the audit log's among them).
        public var keptCurrent: [String] = []
    }

    /// Reads the key store at `directory` without taking its lock (a running broker may
    /// hold it), checks that every wrapped key opens under the master key, and returns
    /// the backup's bytes. A key store that does not fully open is not backed up.
    public static func make(directory: String, provider: any MasterKeyProvider) throws(EnvelopeError) -> [UInt8] {
        let master = try provider.loadMasterKey()
        var files: [String: [UInt8]] = [:]
        guard let check = try KeyFileIO.read(directory + "/master.check", limit: 4096) else {
            throw EnvelopeError(.keyStore, "\(directory)/master.check is missing: nothing to back up")
        }
        files["master.check"] = check
        if let kdf = try KeyFileIO.read(directory + "/master.kdf", limit: 4096) { files["master.kdf"] = kdf }
        for name in KeyFileIO.list(directory) where KeyScope(fileName: name) != nil {
            guard let bytes = try KeyFileIO.read(directory + "/" + name) else { continue }
            // A torn last line (an append in flight) is left out: that DEK seals nothing yet.
            let parsed = try ScopeKeyFile.parse(bytes)
            files[name] = Array(bytes[0..<parsed.validLength])
        }
        try verify(files, master: master, source: provider.source)
        let file = File(
            format: format, createdAtMs: Keyring.nowMs(), files: files.mapValues { Data($0).base64EncodedString() })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        guard let data = try? encoder.encode(file) else { throw EnvelopeError(.keyStore, "cannot encode the backup") }
        return Array(data) + [0x0A]
    }

    /// Writes `bytes` to `path`, created 0600 (an existing file is replaced atomically).
    public static func write(_ bytes: [UInt8], to path: String) throws(EnvelopeError) {
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        try KeyFileIO.replace(path, with: bytes, directory: directory.isEmpty ? "/" : directory)
    }

    /// Restores a backup into `directory`. Everything is checked first, against the
    /// master key `provider(stagingDirectory)` gives (a passphrase provider finds the
    /// backup's scrypt salt there): the backup's `master.check` and every wrapped key
    /// must open, else nothing is touched. Then, under the key store's lock (so not
    /// beside a running broker), each file is replaced atomically. A current key file that
    /// already holds every DEK of the backup is kept (nothing would be gained); one that
    /// lacks some and holds DEKs the backup lacks is refused unless `force` (its newer data
    /// would become unreadable); a shredded scope's tombstone is never replaced.
    public static func restore(
        _ bytes: [UInt8], into directory: String, force: Bool, provider: (String) -> any MasterKeyProvider
    ) throws(EnvelopeError) -> RestoreOutcome {
        guard let file = try? JSONDecoder().decode(File.self, from: Data(bytes)), file.format == format else {
            throw EnvelopeError(.keyStore, "not a bulwark key backup (\(format))")
        }
        var files: [String: [UInt8]] = [:]
        for (name, encoded) in file.files {
            guard name == "master.check" || name == "master.kdf" || KeyScope(fileName: name) != nil,
                let data = Data(base64Encoded: encoded)
            else { throw EnvelopeError(.keyStore, "the backup holds an unexpected entry \(name)") }
            files[name] = Array(data)
        }
        guard files["master.check"] != nil else { throw EnvelopeError(.keyStore, "the backup has no master.check") }

        try KeyFileIO.makeDirectory(directory)
        let staging = directory + "/restore.staging"
        try KeyFileIO.makeDirectory(staging)
        defer {
            for name in KeyFileIO.list(staging) { KeyFileIO.remove(staging + "/" + name) }
            KeyFileIO.removeDirectory(staging)
        }
        if let kdf = files["master.kdf"] { try KeyFileIO.replace(staging + "/master.kdf", with: kdf, directory: staging) }
        let source = provider(staging)
        let master = try source.loadMasterKey()
        try verify(files, master: master, source: source.source)

        let lock = try KeyFileIO.lockFile(directory + "/.lock")
        defer { KeyFileIO.unlockFile(lock) }
        var outcome = RestoreOutcome()
        var plan: [(String, [UInt8])] = []
        for (name, backup) in files.sorted(by: { $0.key < $1.key }) {
            if KeyScope(fileName: name) != nil, let current = try KeyFileIO.read(directory + "/" + name) {
                let now = try? ScopeKeyFile.parse(current).file
                if now?.shreddedAt != nil {
                    outcome.keptShredded.append(name)
                    continue
                }
                // Compared by key material, not id: a file made anew reuses ids.
                if !force, let scope = KeyScope(fileName: name),
                   let currentKeys = try? dataKeys(current, scope: scope, master: master) {
                    let savedKeys = try dataKeys(backup, scope: scope, master: master)
                    if savedKeys.allSatisfy({ id, key in currentKeys[id] == key }) {
                        // Every key of the backup is here: restoring would only lose the
                        // newer ones (a running broker keeps adding keys).
                        outcome.keptCurrent.append(name)
                        continue
                    }
                    let lost = currentKeys.filter { id, key in savedKeys[id] != key }
                    if !lost.isEmpty {
                        throw EnvelopeError(
                            .keyStore,
                            "\(name) holds \(lost.count) DEKs the backup does not (created after it); restoring would make their data unreadable (--force to restore anyway)"
                        )
                    }
                }
            }
            plan.append((name, backup))
        }
        for (name, bytes) in plan {
            try KeyFileIO.replace(directory + "/" + name, with: bytes, directory: directory)
            outcome.restored.append(name)
        }
        outcome.keptNotInBackup = KeyFileIO.list(directory).filter { KeyScope(fileName: $0) != nil && files[$0] == nil }
        return outcome
    }

    /// A key file's DEKs, unwrapped (as raw bytes, to compare): throws when any does not open.
    static func dataKeys(_ bytes: [UInt8], scope: KeyScope, master: MasterKey) throws(EnvelopeError) -> [UInt32: [UInt8]] {
        let file = try ScopeKeyFile.parse(bytes).file
        var keks: [UInt32: SymmetricKey] = [:]
        for (version, wrapped) in file.keks {
            keks[version] = try KeyWrap.unwrap(wrapped, under: master.key, context: Keyring.kekContext(scope, version))
        }
        var out: [UInt32: [UInt8]] = [:]
        for (id, dek) in file.deks {
            guard let kek = keks[dek.kekVersion] else { throw EnvelopeError(.keyStore, "DEK \(id) names a KEK version the file lacks") }
            let key = try KeyWrap.unwrap(dek.wrapped, under: kek, context: Keyring.dekContext(scope, id, dek.kekVersion))
            out[id] = key.withUnsafeBytes { Array($0) }
        }
        return out
    }

    /// Every KEK opens under `master` and every DEK under its KEK.
    static func verify(_ files: [String: [UInt8]], master: MasterKey, source: String) throws(EnvelopeError) {
        do {
            _ = try KeyWrap.unwrap(files["master.check"] ?? [], under: master.key, context: Keyring.checkContext)
        } catch {
            throw EnvelopeError(.wrongMasterKey, "the master key from \(source) does not open this backup's master.check")
        }
        for (name, bytes) in files {
            guard let scope = KeyScope(fileName: name) else { continue }
            do {
                _ = try dataKeys(bytes, scope: scope, master: master)
            } catch {
                throw EnvelopeError(error.code, "\(name): \(error.message)")
            }
        }
    }
}
