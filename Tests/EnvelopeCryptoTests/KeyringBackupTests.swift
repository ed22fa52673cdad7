import Foundation
import Testing

@testable import EnvelopeCrypto

/// Backup and restore of wrapped keys, and retiring DEKs after re-encryption.
@Suite struct KeyringBackupTests {
    func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    func mode(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int) ?? -1
    }

    @Test func backupHoldsOnlyWrappedKeysAndRestoresIntoAnEmptyStore() throws {
        let dir = ScratchDirectory()
        let master = MasterKey.random()
        let keyring = try Keyring(directory: dir.path + "/keys", provider: FixedKeyProvider(key: master))
        let sealers = try (0..<3).map { _ in try keyring.newSealer(for: .topic("orders"), maxBatches: 10) }
        let envelope = try sealers[1].seal(Array("MARKER".utf8), associatedData: [1])
        _ = try keyring.newSealer(for: .system("offsets"), maxBatches: 10)
        // Taken while the keyring is open (a running broker holds its lock).
        let bytes = try KeyringBackup.make(directory: dir.path + "/keys", provider: FixedKeyProvider(key: master))
        try KeyringBackup.write(bytes, to: dir.path + "/backup.json")
        #expect(mode(dir.path + "/backup.json") == 0o600)
        let text = String(decoding: bytes, as: UTF8.self)
        for sealer in sealers {
            let raw = sealer.key.material.withUnsafeBytes { Array($0) }
            #expect(!contains(bytes, raw) && !text.contains(Data(raw).base64EncodedString()))
            let decoded = try JSONDecoder().decode(KeyringBackup.File.self, from: Data(bytes)).files.values.map { Array(Data(base64Encoded: $0)!) }
            #expect(!decoded.contains { contains($0, raw) })
        }
        let masterRaw = master.key.withUnsafeBytes { Array($0) }
        #expect(!contains(bytes, masterRaw) && !text.contains(master.hex))
        keyring.close()

        // The key store is lost; the backup brings every DEK back.
        try FileManager.default.removeItem(atPath: dir.path + "/keys")
        let outcome = try KeyringBackup.restore(bytes, into: dir.path + "/keys", force: false) { _ in FixedKeyProvider(key: master) }
        #expect(outcome.restored.sorted() == ["master.check", "system-offsets.keys", "topic-orders.keys"])
        let restored = try Keyring(directory: dir.path + "/keys", provider: FixedKeyProvider(key: master))
        defer { restored.close() }
        let key = try restored.dataKey(for: .topic("orders"), id: sealers[1].key.id)
        var opened = envelope
        #expect(opened.withUnsafeMutableBytes { env in [UInt8]([1]).withUnsafeBytes { key.open(envelope: env, associatedData: $0) } })
        #expect(Array(opened[Envelope.plaintextRange(opened.count)]) == Array("MARKER".utf8))
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/keys/restore.staging"))
    }

    @Test func restoreUnderAnotherMasterKeyReplacesNothing() throws {
        let dir = ScratchDirectory()
        let master = MasterKey.random()
        let keyring = try Keyring(directory: dir.path + "/keys", provider: FixedKeyProvider(key: master))
        _ = try keyring.newSealer(for: .topic("t"), maxBatches: 1)
        let bytes = try KeyringBackup.make(directory: dir.path + "/keys", provider: FixedKeyProvider(key: master))
        keyring.close()
        let before = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/keys").sorted().map {
            FileManager.default.contents(atPath: dir.path + "/keys/" + $0)
        }
        let error = #expect(throws: EnvelopeError.self) {
            try KeyringBackup.restore(bytes, into: dir.path + "/keys", force: true) { _ in FixedKeyProvider(key: .random()) }
        }
        #expect(error?.code == .wrongMasterKey)
        let after = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/keys").sorted().map {
            FileManager.default.contents(atPath: dir.path + "/keys/" + $0)
        }
        #expect(before == after)
        // Nor does a backup made with a wrong key, or a file that is not a backup.
        #expect(throws: EnvelopeError.self) { try KeyringBackup.make(directory: dir.path + "/keys", provider: FixedKeyProvider(key: .random())) }
        #expect(throws: EnvelopeError.self) {
            try KeyringBackup.restore(Array("{}".utf8), into: dir.path + "/keys", force: true) { _ in FixedKeyProvider(key: master) }
        }
    }

    @Test func restoreKeepsShredTombstonesAndRefusesToDropNewerDEKs() throws {
        let dir = ScratchDirectory()
        let master = MasterKey.random()
        let provider = FixedKeyProvider(key: master)
        let keyring = try Keyring(directory: dir.path + "/keys", provider: provider)
        _ = try keyring.newSealer(for: .topic("gone"), maxBatches: 1)
        _ = try keyring.newSealer(for: .topic("grows"), maxBatches: 1)
        _ = try keyring.newSealer(for: .topic("diverged"), maxBatches: 1)
        let bytes = try KeyringBackup.make(directory: dir.path + "/keys", provider: provider)
        try keyring.shred(.topic("gone"))
        let newer = try keyring.newSealer(for: .topic("grows"), maxBatches: 1)
        keyring.close()
        // "grows" still holds the backup's DEK 1 (and a newer one), "diverged" just its own: kept as they are.
        let kept = try KeyringBackup.restore(bytes, into: dir.path + "/keys", force: false) { _ in provider }
        #expect(kept.keptCurrent == ["topic-diverged.keys", "topic-grows.keys"])
        #expect(kept.keptShredded == ["topic-gone.keys"])
        // A file that lost the backup's DEK (made anew) but holds a newer one: refused
        // without --force, since either way some data would become unreadable.
        try FileManager.default.removeItem(atPath: dir.path + "/keys/topic-diverged.keys")
        let again = try Keyring(directory: dir.path + "/keys", provider: provider)
        _ = try again.newSealer(for: .topic("diverged"), maxBatches: 1)
        again.close()
        let error = #expect(throws: EnvelopeError.self) {
            try KeyringBackup.restore(bytes, into: dir.path + "/keys", force: false) { _ in provider }
        }
        #expect(error?.message.contains("topic-diverged.keys") == true)
        let outcome = try KeyringBackup.restore(bytes, into: dir.path + "/keys", force: true) { _ in provider }
        #expect(outcome.keptShredded == ["topic-gone.keys"])
        let reopened = try Keyring(directory: dir.path + "/keys", provider: provider)
        defer { reopened.close() }
        #expect(throws: EnvelopeError.self) { try reopened.dataKey(for: .topic("gone"), id: 1) }
        #expect(throws: EnvelopeError.self) { try reopened.dataKey(for: .topic("grows"), id: newer.key.id) }
        _ = try reopened.dataKey(for: .topic("grows"), id: 1)
    }

    @Test func destroyedDEKsAreGoneIdsAreNeverReusedAndASealerInUseStops() throws {
        let dir = ScratchDirectory()
        let master = MasterKey.random()
        let keyring = try Keyring(directory: dir.path, provider: FixedKeyProvider(key: master))
        let old = try keyring.newSealer(for: .topic("t"), maxBatches: 100)
        _ = try keyring.newSealer(for: .topic("t"), maxBatches: 100)
        let cutoff = try keyring.nextDataKeyId(for: .topic("t"))
        #expect(cutoff == 3)
        #expect(try keyring.destroyDataKeys(for: .topic("t"), below: cutoff) == 2)
        #expect(old.isRetired)
        #expect(throws: EnvelopeError.self) { try old.seal([1, 2, 3], associatedData: []) }
        #expect(throws: EnvelopeError.self) { try keyring.dataKey(for: .topic("t"), id: 1) }
        // An unused DEK keeps the ids going: the next one is 4, not 1.
        #expect(try keyring.newSealer(for: .topic("t"), maxBatches: 1).key.id == 4)
        keyring.close()
        let reopened = try Keyring(directory: dir.path, provider: FixedKeyProvider(key: master))
        defer { reopened.close() }
        #expect(try reopened.status().first?.dekIdsByKEKVersion[1] == [3, 4])
    }

    @Test func shreddingStopsASealerThatIsInUse() throws {
        let dir = ScratchDirectory()
        let keyring = try Keyring(directory: dir.path, provider: FixedKeyProvider(key: .random()))
        defer { keyring.close() }
        let sealer = try keyring.newSealer(for: .topic("t"), maxBatches: 100)
        _ = try sealer.seal([1], associatedData: [])
        try keyring.shred(.topic("t"))
        let error = #expect(throws: EnvelopeError.self) { try sealer.seal([1], associatedData: []) }
        #expect(error?.code == .shredded)
        #expect(keyring.holdsKeys(for: .topic("t")))
        #expect(!keyring.holdsKeys(for: .tenant("acme")))
    }
}
