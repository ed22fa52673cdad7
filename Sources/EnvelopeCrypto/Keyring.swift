// SymmetricKey is immutable storage but not marked Sendable in this swift-crypto release.
@preconcurrency import Crypto
import Foundation
import Synchronization

/// The key hierarchy of one data directory: master key → a KEK per scope → DEKs.
///
/// ```
/// <data>/keys/.lock            held while a broker or `bulwark keys` has the keyring open
/// <data>/keys/master.check     a random key wrapped by the master key: a wrong master key is found at start
/// <data>/keys/master.kdf       scrypt salt and cost (passphrase provider only; not secret)
/// <data>/keys/topic-X.keys     KEKs of topic X wrapped by the master key, its DEKs wrapped by a KEK
/// ```
///
/// No plaintext key is ever written: keys are generated in memory and stored only
/// wrapped. A new DEK is fsynced before its sealer is returned, so no batch on disk
/// is ever sealed under a DEK that a crash could lose. Thread-safe; one lock guards
/// the caches and the appends (DEK creation is rare: once per segment or restart).
public final class Keyring: Sendable {
    public let directory: String
    let master: MasterKey
    private let lockFD: Int32
    let state = Mutex(State())

    struct State {
        var files: [KeyScope: ScopeKeyFile] = [:]
        var keks: [KeyScope: [UInt32: SymmetricKey]] = [:]
        var deks: [KeyScope: [UInt32: DataKey]] = [:]
        var closed = false
    }

    static let checkContext = "bulwark.master-check.v1"

    /// Opens the key store at `directory` (created if missing) with the key from
    /// `provider`, and checks that key against `master.check`, creating that file on
    /// the first start. A wrong key throws `.wrongMasterKey` before anything is written.
    public init(directory: String, provider: any MasterKeyProvider) throws(EnvelopeError) {
        try KeyFileIO.makeDirectory(directory)
        let master = try provider.loadMasterKey()
        let lockFD = try KeyFileIO.lockFile(directory + "/.lock")
        do throws(EnvelopeError) {
            try Self.checkMasterKey(master, directory: directory, source: provider.source)
        } catch {
            KeyFileIO.unlockFile(lockFD)
            throw error
        }
        self.directory = directory
        self.master = master
        self.lockFD = lockFD
    }

    deinit { close() }

    /// Releases the key store's lock and forgets every key. Idempotent.
    public func close() {
        let wasOpen = state.withLock { state -> Bool in
            defer { state = State(closed: true) }
            return !state.closed
        }
        if wasOpen { KeyFileIO.unlockFile(lockFD) }
    }

    private static func checkMasterKey(_ master: MasterKey, directory: String, source: String) throws(EnvelopeError) {
        let path = directory + "/master.check"
        if let bytes = try KeyFileIO.read(path, limit: 4096) {
            do {
                _ = try KeyWrap.unwrap(bytes, under: master.key, context: checkContext)
            } catch {
                throw EnvelopeError(
                    .wrongMasterKey,
                    "the master key from \(source) is not the key this data directory was sealed with (\(path) does not open under it)")
            }
            return
        }
        if KeyFileIO.list(directory).contains(where: { KeyScope(fileName: $0) != nil }) {
            throw EnvelopeError(.wrongMasterKey, "\(path) is missing but \(directory) holds wrapped keys: cannot check the master key")
        }
        let check = try KeyWrap.wrap(SymmetricKey(size: .bits256), under: master.key, context: checkContext)
        try KeyFileIO.replace(path, with: check, directory: directory)
    }

    static func kekContext(_ scope: KeyScope, _ version: UInt32) -> String { "bulwark.kek.v1|\(scope)|\(version)" }
    static func dekContext(_ scope: KeyScope, _ id: UInt32, _ kekVersion: UInt32) -> String {
        "bulwark.dek.v1|\(scope)|\(id)|\(kekVersion)"
    }

    func path(_ scope: KeyScope) throws(EnvelopeError) -> String {
        guard let name = scope.fileName else { throw EnvelopeError(.invalidArgument, "\(scope) is not a valid key scope name") }
        return directory + "/" + name
    }

    /// The scope's key file, loaded on first use (a torn last line is cut off).
    func file(_ scope: KeyScope, _ state: inout State) throws(EnvelopeError) -> ScopeKeyFile {
        guard !state.closed else { throw EnvelopeError(.keyStore, "the keyring is closed") }
        if let file = state.files[scope] { return file }
        let path = try path(scope)
        var file = ScopeKeyFile()
        if let bytes = try KeyFileIO.read(path) {
            let parsed = try ScopeKeyFile.parse(bytes)
            if parsed.validLength < bytes.count { try KeyFileIO.truncate(path, to: parsed.validLength) }
            file = parsed.file
        }
        state.files[scope] = file
        return file
    }

    func kek(_ scope: KeyScope, version: UInt32, _ state: inout State) throws(EnvelopeError) -> SymmetricKey {
        if let key = state.keks[scope]?[version] { return key }
        let file = try file(scope, &state)
        if let at = file.shreddedAt { throw Self.shredded(scope, at: at) }
        guard let wrapped = file.keks[version] else { throw EnvelopeError(.unknownKey, "\(scope) has no KEK version \(version)") }
        let key = try KeyWrap.unwrap(wrapped, under: master.key, context: Self.kekContext(scope, version))
        state.keks[scope, default: [:]][version] = key
        return key
    }

    static func shredded(_ scope: KeyScope, at: Int64) -> EnvelopeError {
        EnvelopeError(.shredded, "the keys of \(scope) were shredded (at \(at) ms since the epoch); its data can no longer be read")
    }

    /// A sealer with a brand-new DEK for `scope`, durable before it is returned. The
    /// scope's first KEK is created here too. Throws `.shredded` for a shredded scope.
    public func newSealer(for scope: KeyScope, maxBatches: UInt64) throws(EnvelopeError) -> BatchSealer {
        try state.withLock { (state) throws(EnvelopeError) -> BatchSealer in
            var file = try file(scope, &state)
            if let at = file.shreddedAt { throw Self.shredded(scope, at: at) }
            let path = try path(scope)
            var lines: [UInt8] = []
            let kekVersion: UInt32
            if let current = file.currentKEKVersion {
                kekVersion = current
            } else {
                kekVersion = 1
                let kek = SymmetricKey(size: .bits256)
                let wrapped = try KeyWrap.wrap(kek, under: master.key, context: Self.kekContext(scope, kekVersion))
                lines += ScopeKeyFile.line(.init(t: "kek", v: kekVersion, w: Base64.encode(wrapped), at: Self.nowMs()))
                file.keks[kekVersion] = wrapped
                state.keks[scope, default: [:]][kekVersion] = kek
            }
            let kek = try kek(scope, version: kekVersion, &state)
            let id = file.nextDEKId
            guard id != 0 else { throw EnvelopeError(.keyStore, "\(scope) has used every DEK id") }
            let dek = SymmetricKey(size: .bits256)
            let wrapped = try KeyWrap.wrap(dek, under: kek, context: Self.dekContext(scope, id, kekVersion))
            lines += ScopeKeyFile.line(.init(t: "dek", v: kekVersion, id: id, w: Base64.encode(wrapped), at: Self.nowMs()))
            try KeyFileIO.append(lines, to: path, directory: directory)
            file.deks[id] = (kekVersion, wrapped)
            state.files[scope] = file
            let key = DataKey(id: id, scope: scope, material: dek)
            state.deks[scope, default: [:]][id] = key
            return BatchSealer(key: key, maxBatches: maxBatches)
        }
    }

    /// The DEK `id` of `scope`, for opening. Cached after the first unwrap.
    public func dataKey(for scope: KeyScope, id: UInt32) throws(EnvelopeError) -> DataKey {
        try state.withLock { (state) throws(EnvelopeError) -> DataKey in
            if let key = state.deks[scope]?[id] { return key }
            let file = try file(scope, &state)
            if let at = file.shreddedAt { throw Self.shredded(scope, at: at) }
            guard let dek = file.deks[id] else { throw EnvelopeError(.unknownKey, "\(scope) has no DEK \(id)") }
            let kek = try kek(scope, version: dek.kekVersion, &state)
            let material = try KeyWrap.unwrap(dek.wrapped, under: kek, context: Self.dekContext(scope, id, dek.kekVersion))
            let key = DataKey(id: id, scope: scope, material: material)
            state.deks[scope, default: [:]][id] = key
            return key
        }
    }

    /// Makes a new KEK version for `scope` and re-wraps every DEK under it; the old KEK
    /// versions are dropped. Data is not rewritten. The file is replaced atomically,
    /// so a crash leaves either the old or the new key file, both complete.
    @discardableResult
    public func rotateKEK(for scope: KeyScope) throws(EnvelopeError) -> UInt32 {
        try state.withLock { (state) throws(EnvelopeError) -> UInt32 in
            let file = try file(scope, &state)
            if let at = file.shreddedAt { throw Self.shredded(scope, at: at) }
            let version = (file.currentKEKVersion ?? 0) + 1
            let kek = SymmetricKey(size: .bits256)
            var rotated = ScopeKeyFile()
            rotated.keks[version] = try KeyWrap.wrap(kek, under: master.key, context: Self.kekContext(scope, version))
            for (id, dek) in file.deks {
                let old = try self.kek(scope, version: dek.kekVersion, &state)
                let material = try KeyWrap.unwrap(dek.wrapped, under: old, context: Self.dekContext(scope, id, dek.kekVersion))
                rotated.deks[id] = (version, try KeyWrap.wrap(material, under: kek, context: Self.dekContext(scope, id, version)))
            }
            try KeyFileIO.replace(try path(scope), with: rotated.serialized(), directory: directory)
            state.files[scope] = rotated
            state.keks[scope] = [version: kek]
            return version
        }
    }

    /// Destroys every key of `scope`: its key file is replaced (atomically) by a
    /// tombstone, so its data can never be opened again, and new writes are refused.
    public func shred(_ scope: KeyScope) throws(EnvelopeError) {
        try state.withLock { (state) throws(EnvelopeError) in
            _ = try file(scope, &state)
            var tombstone = ScopeKeyFile()
            tombstone.shreddedAt = Self.nowMs()
            try KeyFileIO.replace(try path(scope), with: tombstone.serialized(), directory: directory)
            state.files[scope] = tombstone
            state.keks[scope] = nil
            // A partition of a running broker may hold a sealer of this scope: it must stop
            // sealing now, not at its next segment roll (what it sealed would be unreadable).
            for key in (state.deks[scope] ?? [:]).values { key.destroy() }
            state.deks[scope] = nil
        }
    }

    /// What one scope holds, for `bulwark keys status`.
    public struct ScopeStatus: Sendable, Equatable {
        public var scope: KeyScope
        public var kekVersions: [UInt32]
        /// DEK ids by the KEK version that wraps them.
        public var dekIdsByKEKVersion: [UInt32: [UInt32]]
        public var shreddedAtMs: Int64?
    }

    public func status() throws(EnvelopeError) -> [ScopeStatus] {
        let scopes = KeyFileIO.list(directory).compactMap { KeyScope(fileName: $0) }
        return try state.withLock { (state) throws(EnvelopeError) -> [ScopeStatus] in
            var out: [ScopeStatus] = []
            for scope in scopes {
                let file = try file(scope, &state)
                var byVersion: [UInt32: [UInt32]] = [:]
                for (id, dek) in file.deks { byVersion[dek.kekVersion, default: []].append(id) }
                out.append(
                    ScopeStatus(
                        scope: scope, kekVersions: file.keks.keys.sorted(), dekIdsByKEKVersion: byVersion.mapValues { $0.sorted() },
                        shreddedAtMs: file.shreddedAt))
            }
            return out
        }
    }

    static func nowMs() -> Int64 {
        Int64(Date().timeIntervalSince1970 * 1000)
    }
}
