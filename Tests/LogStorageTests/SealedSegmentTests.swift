import EnvelopeCrypto
import Foundation
import KafkaWire
import NIOCore
import Testing

@testable import LogStorage

/// A fixed master key: the double for a KMS in these tests.
struct TestMasterKey: MasterKeyProvider {
    let key: MasterKey
    var source: String { "test master key" }
    func loadMasterKey() throws(EnvelopeError) -> MasterKey { key }
}

@Suite struct SealedSegmentTests {
    let tp = TopicPartition(topic: "secret", partition: 0)
    let master = MasterKey.random()

    func manager(_ dir: TempDirectory, sealing: Bool?, maxBatches: UInt64 = 1 << 20, segmentBytes: Int? = nil) throws -> (LogManager, Keyring?) {
        var encryption: LogEncryption?
        var keyring: Keyring?
        if let sealing {
            keyring = try Keyring(directory: dir.path + "/keys", provider: TestMasterKey(key: master))
            encryption = LogEncryption(keyring: keyring!, sealNewBatches: sealing, maxBatchesPerKey: maxBatches)
        }
        var config = LogConfig()
        if let segmentBytes { config.segmentBytes = segmentBytes }
        let manager = try LogManager(
            directory: dir.path + "/log", defaults: config, durability: .pageCache, logger: Fixtures.logger, encryption: encryption)
        try manager.open()
        if manager.partition(tp) == nil { try manager.createTopic(tp.topic, partitions: 1, overrides: [:]) }
        return (manager, keyring)
    }

    var logPath: (TempDirectory) -> String { { $0.path + "/log/topics/secret-0/" + Segment.fileStem(0) + ".log" } }

    /// Every file under `root` whose bytes contain `marker`.
    func filesContaining(_ marker: String, under root: String) -> [String] {
        let needle = Array(marker.utf8)
        var hits: [String] = []
        let walker = FileManager.default.enumerator(atPath: root)
        while let name = walker?.nextObject() as? String {
            guard let data = FileManager.default.contents(atPath: root + "/" + name) else { continue }
            let bytes = [UInt8](data)
            if bytes.count >= needle.count,
                (0...(bytes.count - needle.count)).contains(where: { bytes[$0..<($0 + needle.count)].elementsEqual(needle) })
            {
                hits.append(name)
            }
        }
        return hits
    }

    /// Formats of the frames in a segment file, in order.
    func frameFormats(_ path: String) -> [UInt8] {
        let bytes = [UInt8](FileManager.default.contents(atPath: path) ?? Data())
        var formats: [UInt8] = []
        var at = 0
        while let header = bytes.withUnsafeBytes({ FrameHeader.parse($0, at: at) }), formats.count < 10_000 {
            formats.append(header.format)
            at += header.frameSize
        }
        return formats
    }

    @Test func sealedBatchesReadBackAndNoFileHoldsTheMarker() throws {
        let dir = TempDirectory("sealed")
        let (manager, keyring) = try manager(dir, sealing: true, segmentBytes: 600)
        let log = try #require(manager.partition(tp))
        let values = (0..<30).map { "MARKER-\($0)-confidential" }
        for chunk in stride(from: 0, to: values.count, by: 3) { try Fixtures.append(log, Array(values[chunk..<(chunk + 3)])) }
        #expect(try log.readAll().map(\.value) == values)
        #expect(try Fixtures.values(log.read(from: 13, maxBytes: 1).records) == Array(values[12..<15]))
        try manager.flushAll()
        manager.close()
        keyring?.close()
        #expect(filesContaining("MARKER", under: dir.path) == [])
        #expect(Set(frameFormats(logPath(dir))) == [FrameHeader.Format.sealed.rawValue])
        // Rolled segments each got their own DEK.
        let (reopened, reopenedKeys) = try self.manager(dir, sealing: true)
        defer { reopened.close() }
        #expect(try reopened.partition(tp)!.readAll().map(\.value) == values)
        let deks = try #require(try reopenedKeys?.status().first { $0.scope == .topic("secret") }?.dekIdsByKEKVersion[1])
        #expect(deks.count > 1)
    }

    @Test func recoveryCutsATornSealedTailAndAppendsUnderANewKey() throws {
        let dir = TempDirectory("sealed")
        do {
            let (manager, keyring) = try manager(dir, sealing: true)
            for i in 0..<5 { try Fixtures.append(manager.partition(tp)!, ["v\(i)"]) }
            try manager.flushAll()
            manager.close()
            keyring?.close()
        }
        let clean = Damage.size(logPath(dir))
        let frame = clean / 5
        try Damage.truncate(logPath(dir), by: 7)  // the last frame torn
        try Damage.append(logPath(dir), [1, 2, 3, 4, 5])
        let (manager, keyring) = try manager(dir, sealing: true)
        defer { manager.close() }
        let log = try #require(manager.partition(tp))
        #expect(log.logEndOffset == 4)
        #expect(Damage.size(logPath(dir)) == clean - frame)
        #expect(try Fixtures.append(log, ["after"]).baseOffset == 4)
        #expect(try log.readAll().map(\.value) == ["v0", "v1", "v2", "v3", "after"])
        // The first append after restart took a fresh DEK: no nonce is used twice under a key.
        #expect(try keyring?.status().first?.dekIdsByKEKVersion[1] == [1, 2])
    }

    @Test func plainSegmentsStayReadableAfterSealingIsTurnedOn() throws {
        let dir = TempDirectory("sealed")
        do {
            let (manager, _) = try manager(dir, sealing: nil)
            try Fixtures.append(manager.partition(tp)!, ["plain-0", "plain-1"])
            manager.close()
        }
        let (manager, keyring) = try manager(dir, sealing: true)
        try Fixtures.append(manager.partition(tp)!, ["sealed-2"])
        #expect(try manager.partition(tp)!.readAll().map(\.value) == ["plain-0", "plain-1", "sealed-2"])
        manager.close()
        keyring?.close()
        #expect(frameFormats(logPath(dir)) == [1, 2])
        // Sealing turned off again with the keyring present: both kinds still read.
        let (reader, _) = try self.manager(dir, sealing: false)
        defer { reader.close() }
        try Fixtures.append(reader.partition(tp)!, ["plain-3"])
        #expect(try reader.partition(tp)!.readAll().map(\.value) == ["plain-0", "plain-1", "sealed-2", "plain-3"])
        #expect(frameFormats(logPath(dir)) == [1, 2, 1])
    }

    @Test func aFlippedByteWithAFixedCRCFailsAuthenticationAndIsNeverServed() throws {
        let dir = TempDirectory("sealed")
        do {
            let (manager, keyring) = try manager(dir, sealing: true)
            for i in 0..<3 { try Fixtures.append(manager.partition(tp)!, ["value-\(i)"]) }
            manager.close()
            keyring?.close()
        }
        // Flip a ciphertext byte of the second frame and recompute its CRC, so only the
        // AEAD tag can notice (a plain CRC check would catch a careless flip).
        var bytes = [UInt8](FileManager.default.contents(atPath: logPath(dir))!)
        let first = bytes.withUnsafeBytes { FrameHeader.parse($0, at: 0)! }
        var second = bytes.withUnsafeBytes { FrameHeader.parse($0, at: first.frameSize)! }
        bytes[first.frameSize + FrameHeader.size + 20] ^= 0x40
        second.crc = bytes.withUnsafeBytes {
            PartitionLog.frameChecksum(
                second, body: UnsafeRawBufferPointer(rebasing: $0[(first.frameSize + 48)..<(first.frameSize + second.frameSize)]))
        }
        bytes.withUnsafeMutableBytes { second.encode(into: UnsafeMutableRawBufferPointer(rebasing: $0[first.frameSize...])) }
        FileManager.default.createFile(atPath: logPath(dir), contents: Data(bytes))
        let (manager, _) = try manager(dir, sealing: true)
        defer { manager.close() }
        let log = try #require(manager.partition(tp))
        #expect(log.logEndOffset == 3)  // recovery keeps it: the CRC matches
        #expect(try Fixtures.values(log.read(from: 0, maxBytes: 1 << 20).records) == ["value-0"])  // stops before it
        let error = #expect(throws: StorageError.self) { _ = try log.read(from: 1, maxBytes: 1 << 20) }
        #expect(error?.errorCode == .kafkaStorageError)
        #expect(error?.message.contains("fails authentication") == true)
        #expect(try Fixtures.values(log.read(from: 2, maxBytes: 1 << 20).records) == ["value-2"])
    }

    @Test func aFrameMovedToAnotherOffsetFailsAuthentication() throws {
        let dir = TempDirectory("sealed")
        do {
            let (manager, keyring) = try manager(dir, sealing: true)
            for i in 0..<2 { try Fixtures.append(manager.partition(tp)!, ["value-\(i)"]) }
            manager.close()
            keyring?.close()
        }
        // Swap the envelopes of two same-sized frames, fixing both CRCs.
        var bytes = [UInt8](FileManager.default.contents(atPath: logPath(dir))!)
        let size = bytes.withUnsafeBytes { FrameHeader.parse($0, at: 0)! }.frameSize
        #expect(bytes.count == 2 * size)
        let bodyA = Array(bytes[48..<size])
        let bodyB = Array(bytes[(size + 48)...])
        bytes.replaceSubrange(48..<size, with: bodyB)
        bytes.replaceSubrange((size + 48)..., with: bodyA)
        for at in [0, size] {
            var header = bytes.withUnsafeBytes { FrameHeader.parse($0, at: at)! }
            header.crc = bytes.withUnsafeBytes { PartitionLog.frameChecksum(header, body: UnsafeRawBufferPointer(rebasing: $0[(at + 48)..<(at + size)])) }
            bytes.withUnsafeMutableBytes { header.encode(into: UnsafeMutableRawBufferPointer(rebasing: $0[at...])) }
        }
        FileManager.default.createFile(atPath: logPath(dir), contents: Data(bytes))
        let (manager, _) = try manager(dir, sealing: true)
        defer { manager.close() }
        let error = #expect(throws: StorageError.self) { _ = try manager.partition(tp)!.read(from: 0, maxBytes: 1 << 20) }
        #expect(error?.message.contains("fails authentication") == true)
    }

    @Test func shreddedTopicAndMissingKeyringAreClearReadErrors() throws {
        let dir = TempDirectory("sealed")
        do {
            let (manager, keyring) = try manager(dir, sealing: true)
            try Fixtures.append(manager.partition(tp)!, ["doomed"])
            manager.close()
            keyring?.close()
        }
        do {
            let (manager, _) = try manager(dir, sealing: nil)
            let error = #expect(throws: StorageError.self) { _ = try manager.partition(tp)!.read(from: 0, maxBytes: 1 << 20) }
            #expect(error?.message.contains("no key provider is configured") == true)
            manager.close()
        }
        let (manager, keyring) = try manager(dir, sealing: true)
        defer { manager.close() }
        try keyring!.shred(.topic(tp.topic))
        let log = try #require(manager.partition(tp))
        let error = #expect(throws: StorageError.self) { _ = try log.read(from: 0, maxBytes: 1 << 20) }
        #expect(error?.errorCode == .corruptMessage)
        #expect(error?.message.contains("shredded") == true)
        let refused = #expect(throws: StorageError.self) { try Fixtures.append(log, ["more"]) }
        #expect(refused?.message.contains("shredded") == true)
    }

    @Test func shreddingWhileAPartitionSealsStopsItsAppendsAtOnce() throws {
        let dir = TempDirectory("sealed")
        let (manager, keyring) = try manager(dir, sealing: true)
        defer { manager.close() }
        let log = try #require(manager.partition(tp))
        try Fixtures.append(log, ["before"])  // the partition now holds a sealer of this scope
        try keyring!.shred(.topic(tp.topic))
        let refused = #expect(throws: StorageError.self) { try Fixtures.append(log, ["after"]) }
        #expect(refused?.errorCode == .kafkaStorageError)
        #expect(refused?.message.contains("shredded") == true)
        #expect(log.logEndOffset == 1)
    }

    @Test func offsetForTimestampOpensSealedBatches() throws {
        let dir = TempDirectory("sealed")
        let (manager, _) = try manager(dir, sealing: true)
        defer { manager.close() }
        let log = try #require(manager.partition(tp))
        try Fixtures.append(log, ["a", "b", "c"], timestamps: [100, 200, 300])
        let found = try log.offset(forTimestamp: 150)
        #expect(found?.offset == 1 && found?.timestamp == 200)
    }
}
