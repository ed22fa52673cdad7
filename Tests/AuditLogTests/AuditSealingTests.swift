import EnvelopeCrypto
import Foundation
import Testing

@testable import AuditLog

/// A master key held in memory, for tests.
struct FixedMasterKey: MasterKeyProvider {
    let key: MasterKey
    var source: String { "test key" }
    func loadMasterKey() throws(EnvelopeError) -> MasterKey { key }
}

@Suite struct AuditSealingTests {
    static func event(_ i: Int) -> AuditEvent {
        AuditEvent(kind: .authorization, time: AuditFixtures.t0 + Int64(i), principal: "User:marker-principal-\(i % 3)",
                   resourceType: "topic", resourceName: "secret-topic-marker-\(i % 4)", access: "read", apiName: "Fetch",
                   result: i % 5 == 0 ? .denied : .allowed, reason: "reason-marker \(i)", clientAddress: "10.9.8.7")
    }

    static func files(_ dir: String) throws -> [UInt8] {
        try FileManager.default.contentsOfDirectory(atPath: dir).sorted().flatMap { name -> [UInt8] in
            var isDir: ObjCBool = false
            FileManager.default.fileExists(atPath: dir + "/" + name, isDirectory: &isDir)
            return isDir.boolValue ? [] : Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name)))
        }
    }

    static func contains(_ haystack: [UInt8], _ needle: String) -> Bool {
        let n = Array(needle.utf8)
        guard haystack.count >= n.count else { return false }
        return (0...(haystack.count - n.count)).contains { i in haystack[i..<(i + n.count)].elementsEqual(n) }
    }

    @Test func sealedEventsVerifyReadBackWithTheKeyAndLeaveNoPlaintext() async throws {
        let dir = AuditTempDirectory()
        let master = MasterKey.random()
        let keyring = try Keyring(directory: dir.path + "/keys", provider: FixedMasterKey(key: master))
        let sealing = AuditSealing(keyring: keyring)
        let key = AuditSigningKey.generate()
        let config = AuditFixtures.config(dir, segmentBytes: 4096)
        let events = (0..<120).map(Self.event)
        let writer = try AuditLogWriter(config: config, key: key, sealing: sealing)
        for chunk in stride(from: 0, to: events.count, by: 30) {
            for e in events[chunk..<(chunk + 30)] { _ = writer.record(e) }
            try await writer.flush()
        }
        writer.close()

        // Nothing of the events is in the clear in any audit file.
        let bytes = try Self.files(dir.audit)
        #expect(!bytes.isEmpty)
        for marker in ["marker-principal", "secret-topic-marker", "reason-marker", "10.9.8.7"] {
            #expect(!Self.contains(bytes, marker), "\(marker) appears in plaintext")
        }
        // Chain and signatures verify without the key; with it every event also decodes.
        let keyless = try AuditVerifier.verify(directory: dir.audit, publicKey: key.publicKey)
        #expect(keyless.isIntact && keyless.notes.contains { $0.contains("sealed event(s) checked by chain and signatures only") })
        let full = try AuditVerifier.verify(directory: dir.audit, publicKey: key.publicKey, sealing: sealing)
        #expect(full.isIntact && full.events == keyless.events && !full.notes.contains { $0.contains("sealed") })
        // Read back with the key: the same events, and the index still prunes.
        var all: [AuditRecord] = []
        try AuditLogReader(directory: dir.audit, sealing: sealing).query(AuditQuery()) { all.append($0); return true }
        #expect(all.filter { $0.event.kind == .authorization }.map(\.event) == events)
        var denied = AuditQuery()
        denied.result = .denied
        denied.principal = "User:marker-principal-0"
        var got: [AuditEvent] = []
        try AuditLogReader(directory: dir.audit, sealing: sealing).query(denied) { got.append($0.event); return true }
        #expect(got == events.filter { denied.matches($0) })
        #expect(!got.isEmpty)
        // Without the key a reader refuses rather than skipping events.
        #expect(throws: AuditLogError.self) {
            try AuditLogReader(directory: dir.audit).query(AuditQuery()) { _ in true }
        }
    }

    @Test func aFlippedCiphertextByteIsCaughtByTheChainAndTheKeyRefusesOtherLogs() async throws {
        let dir = AuditTempDirectory()
        let keyring = try Keyring(directory: dir.path + "/keys", provider: FixedMasterKey(key: .random()))
        let sealing = AuditSealing(keyring: keyring)
        let key = AuditSigningKey.generate()
        let writer = try AuditFixtures.flushOnlyWriter(AuditFixtures.config(dir), key: key, sealing: sealing)
        for i in 0..<10 { _ = writer.record(Self.event(i)) }
        try await writer.flush()
        writer.close()
        let segment = AuditLogDirectory.segmentPath(dir.audit, 1)
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: segment)))
        let layout = SegmentLayout(bytes)
        let victim = try #require(layout.entry(4))
        #expect(victim.type == AuditRecordCodec.sealedEventType)
        bytes[victim.range.lowerBound + 40] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: segment))
        let report = try AuditVerifier.verify(directory: dir.audit, publicKey: key.publicKey, sealing: sealing)
        #expect(report.firstBadSequence == 4)
    }
}
