import Foundation
import Testing

@testable import EnvelopeCrypto

/// A scratch directory, deleted when released.
final class ScratchDirectory: @unchecked Sendable {
    let path: String

    init() {
        var bytes = Array((FileManager.default.temporaryDirectory.path + "/bulwark-keys-XXXXXX").utf8CString)
        path = bytes.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `text` to `name` with `mode` (created with it) and returns the path.
    func write(_ name: String, _ text: String, mode: mode_t) -> String {
        let file = path + "/" + name
        let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, mode)
        precondition(fd >= 0)
        _ = Array(text.utf8).withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        close(fd)
        return file
    }
}

/// A provider handing out a fixed key: the double for a KMS.
struct FixedKeyProvider: MasterKeyProvider {
    var key: MasterKey
    var source: String { "test key" }
    func loadMasterKey() throws(EnvelopeError) -> MasterKey { key }
}

@Suite struct KeyringTests {
    @Test func sealedBatchOpensInPlaceAndNoPlaintextRemains() throws {
        let dir = ScratchDirectory()
        let keyring = try Keyring(directory: dir.path + "/keys", provider: FixedKeyProvider(key: .random()))
        let sealer = try keyring.newSealer(for: .topic("orders"), maxBatches: 10)
        let plaintext = Array("MARKER-secret-record-bytes".utf8)
        let ad = Array("topic=orders|p=0|base=0".utf8)
        var envelope = try sealer.seal(plaintext, associatedData: ad)
        #expect(envelope.count == plaintext.count + 32)
        #expect(Envelope.keyId(envelope.withUnsafeBytes { $0 }) == sealer.key.id)
        #expect(!String(decoding: envelope, as: UTF8.self).contains("MARKER"))
        let key = try keyring.dataKey(for: .topic("orders"), id: sealer.key.id)
        let opened = envelope.withUnsafeMutableBytes { env in ad.withUnsafeBytes { key.open(envelope: env, associatedData: $0) } }
        #expect(opened)
        #expect(Array(envelope[Envelope.plaintextRange(envelope.count)]) == plaintext)
    }

    @Test func otherAssociatedDataOrFlippedByteFailsAuthentication() throws {
        let dir = ScratchDirectory()
        let keyring = try Keyring(directory: dir.path, provider: FixedKeyProvider(key: .random()))
        let sealer = try keyring.newSealer(for: .topic("t"), maxBatches: 10)
        let ad = Array("topic=t|p=0|segment=0|base=5".utf8)
        let envelope = try sealer.seal(Array(repeating: 7, count: 100), associatedData: ad)
        func opens(_ bytes: [UInt8], _ ad: [UInt8]) -> Bool {
            var copy = bytes
            return copy.withUnsafeMutableBytes { env in ad.withUnsafeBytes { sealer.key.open(envelope: env, associatedData: $0) } }
        }
        #expect(opens(envelope, ad))
        // Moved to another offset, partition or segment: the associated data differs.
        #expect(!opens(envelope, Array("topic=t|p=0|segment=0|base=6".utf8)))
        #expect(!opens(envelope, Array("topic=t|p=1|segment=0|base=5".utf8)))
        #expect(!opens(envelope, Array("topic=t|p=0|segment=9|base=5".utf8)))
        for index in [5, 16, 60, envelope.count - 1] {  // nonce, ciphertext, tag
            var flipped = envelope
            flipped[index] ^= 0x01
            #expect(!opens(flipped, ad), "flipped byte \(index) still opened")
        }
    }

    @Test func nonceIsACounterAndTheDEKRetiresAfterItsQuota() throws {
        let dir = ScratchDirectory()
        let keyring = try Keyring(directory: dir.path, provider: FixedKeyProvider(key: .random()))
        let sealer = try keyring.newSealer(for: .topic("t"), maxBatches: 3)
        var nonces: [[UInt8]] = []
        for _ in 0..<3 { nonces.append(Array(try sealer.seal([1, 2, 3], associatedData: [])[4..<16])) }
        #expect(nonces == (0..<3).map { [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, UInt8($0)] })
        #expect(sealer.isRetired)
        #expect(throws: EnvelopeError.self) { try sealer.seal([1], associatedData: []) }
        // A new sealer has a new DEK, so its counter starting again reuses no (key, nonce).
        let next = try keyring.newSealer(for: .topic("t"), maxBatches: 3)
        #expect(next.key.id == sealer.key.id + 1)
    }

    @Test func wrongMasterKeyIsRefusedAtOpen() throws {
        let dir = ScratchDirectory()
        let right = MasterKey.random()
        do {
            let keyring = try Keyring(directory: dir.path, provider: FixedKeyProvider(key: right))
            _ = try keyring.newSealer(for: .topic("t"), maxBatches: 1)
        }
        let error = #expect(throws: EnvelopeError.self) { try Keyring(directory: dir.path, provider: FixedKeyProvider(key: .random())) }
        #expect(error?.code == .wrongMasterKey)
        #expect(error?.message.contains("not the key this data directory was sealed with") == true)
        _ = try Keyring(directory: dir.path, provider: FixedKeyProvider(key: right))
    }

    @Test func keysSurviveReopenAndNoKeyFileHoldsTheDEK() throws {
        let dir = ScratchDirectory()
        let master = MasterKey.random()
        var sealedBy: (UInt32, [UInt8])
        do {
            let keyring = try Keyring(directory: dir.path, provider: FixedKeyProvider(key: master))
            let sealer = try keyring.newSealer(for: .topic("t"), maxBatches: 5)
            sealedBy = (sealer.key.id, try sealer.seal(Array("hello".utf8), associatedData: [9]))
            let raw = sealer.key.material.withUnsafeBytes { Array($0) }
            for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
                let bytes = Array(FileManager.default.contents(atPath: dir.path + "/" + name) ?? Data())
                let text = String(decoding: bytes, as: UTF8.self)
                #expect(!contains(bytes, raw) && !text.contains(Data(raw).base64EncodedString()), "\(name) holds the DEK")
                let attributes = try FileManager.default.attributesOfItem(atPath: dir.path + "/" + name)
                #expect((attributes[.posixPermissions] as? Int ?? 0) & 0o077 == 0, "\(name) is readable by others")
            }
        }
        let reopened = try Keyring(directory: dir.path, provider: FixedKeyProvider(key: master))
        let key = try reopened.dataKey(for: .topic("t"), id: sealedBy.0)
        var envelope = sealedBy.1
        #expect(envelope.withUnsafeMutableBytes { env in [UInt8]([9]).withUnsafeBytes { key.open(envelope: env, associatedData: $0) } })
        #expect(Array(envelope[Envelope.plaintextRange(envelope.count)]) == Array("hello".utf8))
    }

    @Test func rotateKEKKeepsDEKsAndShredDestroysThem() throws {
        let dir = ScratchDirectory()
        let master = MasterKey.random()
        let keyring = try Keyring(directory: dir.path, provider: FixedKeyProvider(key: master))
        let a = try keyring.newSealer(for: .topic("a"), maxBatches: 5)
        let b = try keyring.newSealer(for: .topic("b"), maxBatches: 5)
        var envelope = try a.seal(Array("data".utf8), associatedData: [])
        let before = try String(contentsOfFile: dir.path + "/topic-a.keys", encoding: .utf8)
        #expect(try keyring.rotateKEK(for: .topic("a")) == 2)
        let after = try String(contentsOfFile: dir.path + "/topic-a.keys", encoding: .utf8)
        #expect(before != after && after.contains("\"v\":2") && !after.contains("\"v\":1"))
        keyring.close()
        let reopened = try Keyring(directory: dir.path, provider: FixedKeyProvider(key: master))
        let status = try reopened.status()
        #expect(status.first { $0.scope == .topic("a") }?.kekVersions == [2])
        #expect(status.first { $0.scope == .topic("a") }?.dekIdsByKEKVersion == [2: [a.key.id]])
        let key = try reopened.dataKey(for: .topic("a"), id: a.key.id)
        #expect(envelope.withUnsafeMutableBytes { key.open(envelope: $0, associatedData: UnsafeRawBufferPointer(start: nil, count: 0)) })
        try reopened.shred(.topic("a"))
        let gone = #expect(throws: EnvelopeError.self) { _ = try reopened.dataKey(for: .topic("a"), id: a.key.id) }
        #expect(gone?.code == .shredded && gone?.message.contains("shredded") == true)
        let error = #expect(throws: EnvelopeError.self) { _ = try reopened.newSealer(for: .topic("a"), maxBatches: 1) }
        #expect(error?.code == .shredded)
        // Another topic's keys are untouched.
        _ = try reopened.dataKey(for: .topic("b"), id: b.key.id)
    }

    @Test func keyFileProviderRequiresMode0600() throws {
        let dir = ScratchDirectory()
        let hex = MasterKey.random().hex
        let open = dir.write("open.key", hex + "\n", mode: 0o644)
        chmod(open, 0o644)
        let error = #expect(throws: EnvelopeError.self) { try KeyFileMasterKeyProvider(path: open).loadMasterKey() }
        #expect(error?.message.contains("has mode 644; it must be 0600") == true)
        let closed = dir.write("closed.key", hex + "\n", mode: 0o600)
        let key = try KeyFileMasterKeyProvider(path: closed).loadMasterKey()
        #expect(key.hex == hex)
        let short = dir.write("short.key", "abcd", mode: 0o600)
        #expect(throws: EnvelopeError.self) { try KeyFileMasterKeyProvider(path: short).loadMasterKey() }
    }

    @Test func environmentAndPassphraseProviders() throws {
        let dir = ScratchDirectory()
        let hex = MasterKey.random().hex
        setenv("BULWARK_TEST_MASTER_KEY", hex, 1)
        #expect(try EnvironmentMasterKeyProvider(variable: "BULWARK_TEST_MASTER_KEY").loadMasterKey().hex == hex)
        #expect(throws: EnvelopeError.self) { try EnvironmentMasterKeyProvider(variable: "BULWARK_TEST_UNSET_VARIABLE").loadMasterKey() }
        let pass = dir.write("pass", "correct horse battery staple\n", mode: 0o600)
        let provider = PassphraseMasterKeyProvider(passphraseFile: pass, keyDirectory: dir.path)
        let first = try provider.loadMasterKey().hex
        #expect(try provider.loadMasterKey().hex == first)  // same salt from master.kdf
        let other = dir.write("pass2", "correct horse battery stapler\n", mode: 0o600)
        #expect(try PassphraseMasterKeyProvider(passphraseFile: other, keyDirectory: dir.path).loadMasterKey().hex != first)
    }

    @Test func tornLastLineOfAKeyFileIsCutAndCorruptionIsRefused() throws {
        let dir = ScratchDirectory()
        let master = MasterKey.random()
        var id: UInt32 = 0
        do {
            let keyring = try Keyring(directory: dir.path, provider: FixedKeyProvider(key: master))
            id = try keyring.newSealer(for: .topic("t"), maxBatches: 1).key.id
        }
        let path = dir.path + "/topic-t.keys"
        let good = FileManager.default.contents(atPath: path)!
        FileManager.default.createFile(atPath: path, contents: good + Data("{\"t\":\"dek\",\"id\":9".utf8))
        let keyring = try Keyring(directory: dir.path, provider: FixedKeyProvider(key: master))
        _ = try keyring.dataKey(for: .topic("t"), id: id)
        #expect(FileManager.default.contents(atPath: path) == good)
        keyring.close()
        FileManager.default.createFile(atPath: path, contents: Data("garbage\n".utf8) + good)
        let again = try Keyring(directory: dir.path, provider: FixedKeyProvider(key: master))
        let error = #expect(throws: EnvelopeError.self) { _ = try again.dataKey(for: .topic("t"), id: id) }
        #expect(error?.code == .keyStore)
    }
}

func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard needle.count <= haystack.count else { return false }
    for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
    return false
}
