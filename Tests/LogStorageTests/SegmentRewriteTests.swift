import EnvelopeCrypto
import Foundation
import KafkaWire
import NIOCore
import Synchronization
import Testing

@testable import LogStorage

/// Re-encryption of closed segments (`LogManager.reencrypt`): turning encryption on
/// later, replacing old DEKs, a crash at every step of the swap, reads during it, the rate.
@Suite struct SegmentRewriteTests {
    let tp = TopicPartition(topic: "secret", partition: 0)
    let master = MasterKey.random()

    /// A log (segments of ~600 bytes) with or without encryption (nil: no keyring at all).
    func manager(_ dir: TempDirectory, sealing: Bool?) throws -> (LogManager, Keyring?) {
        var encryption: LogEncryption?
        var keyring: Keyring?
        if let sealing {
            keyring = try Keyring(directory: dir.path + "/keys", provider: TestMasterKey(key: master))
            encryption = LogEncryption(keyring: keyring!, sealNewBatches: sealing)
        }
        var config = LogConfig()
        config.segmentBytes = 600
        config.indexIntervalBytes = 100
        let manager = try LogManager(
            directory: dir.path + "/log", defaults: config, durability: .pageCache, logger: Fixtures.logger, encryption: encryption)
        try manager.open()
        if manager.partition(tp) == nil { try manager.createTopic(tp.topic, partitions: 1, overrides: [:]) }
        return (manager, keyring)
    }

    var partitionDirectory: (TempDirectory) -> String { { $0.path + "/log/topics/secret-0" } }

    /// Frame formats per segment file, in base-offset order.
    func formatsBySegment(_ dir: TempDirectory) -> [[UInt8]] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: partitionDirectory(dir))) ?? []).filter { $0.hasSuffix(".log") }.sorted()
        return names.map { name in
            let bytes = [UInt8](FileManager.default.contents(atPath: partitionDirectory(dir) + "/" + name) ?? Data())
            var formats: [UInt8] = []
            var at = 0
            while let header = bytes.withUnsafeBytes({ FrameHeader.parse($0, at: at) }), formats.count < 10_000 {
                formats.append(header.format)
                at += header.frameSize
            }
            return formats
        }
    }

    func containsMarker(_ dir: TempDirectory) -> Bool {
        let needle = Array("MARKER".utf8)
        let walker = FileManager.default.enumerator(atPath: dir.path + "/log")
        while let name = walker?.nextObject() as? String {
            let bytes = [UInt8](FileManager.default.contents(atPath: dir.path + "/log/" + name) ?? Data())
            if bytes.count >= needle.count, (0...(bytes.count - needle.count)).contains(where: { bytes[$0..<($0 + 6)].elementsEqual(needle) }) {
                return true
            }
        }
        return false
    }

    /// Plaintext data written without encryption: 24 values in batches of 2, several segments.
    func writePlaintext(_ dir: TempDirectory) throws -> [String] {
        let values = (0..<24).map { "MARKER-\($0)-confidential-value" }
        let (manager, _) = try manager(dir, sealing: nil)
        for chunk in stride(from: 0, to: values.count, by: 2) { try Fixtures.append(manager.partition(tp)!, Array(values[chunk..<(chunk + 2)])) }
        manager.close()
        return values
    }

    @Test func turningEncryptionOnLaterThenReencryptSealsTheOldPlaintext() throws {
        let dir = TempDirectory("rewrite")
        var values = try writePlaintext(dir)
        #expect(containsMarker(dir))
        let (manager, keyring) = try manager(dir, sealing: true)
        try Fixtures.append(manager.partition(tp)!, ["MARKER-new-sealed"])
        values.append("MARKER-new-sealed")
        // Before: plain segments, and a new sealed frame after them.
        #expect(formatsBySegment(dir).flatMap { $0 }.contains(1))
        let report = try manager.reencrypt(ReencryptRequest(plaintextOnly: true))
        #expect(report.failures == [])
        #expect(report.segmentsRewritten >= 3)
        #expect(report.dataKeysDestroyed == 0)
        #expect(try manager.partition(tp)!.readAll().map(\.value) == values)
        // Offsets and time lookups still land where they did.
        #expect(try Fixtures.values(manager.partition(tp)!.read(from: 13, maxBytes: 1).records) == Array(values[12..<14]))
        manager.close()
        keyring?.close()
        #expect(!containsMarker(dir))
        #expect(formatsBySegment(dir).allSatisfy { $0.allSatisfy { $0 == FrameHeader.Format.sealed.rawValue } })
        let (reopened, _) = try self.manager(dir, sealing: true)
        defer { reopened.close() }
        #expect(try reopened.partition(tp)!.readAll().map(\.value) == values)
    }

    @Test func reencryptReplacesOldDEKsAndDestroysThem() throws {
        let dir = TempDirectory("rewrite")
        let (manager, keyring) = try manager(dir, sealing: true)
        let values = (0..<20).map { "value-\($0)" }
        for chunk in stride(from: 0, to: values.count, by: 2) { try Fixtures.append(manager.partition(tp)!, Array(values[chunk..<(chunk + 2)])) }
        let before = try #require(try keyring?.status().first?.dekIdsByKEKVersion[1])
        let report = try manager.reencrypt(ReencryptRequest())
        #expect(report.failures == [])
        #expect(report.dataKeysDestroyed == before.count)
        let after = try #require(try keyring?.status().first?.dekIdsByKEKVersion[1])
        #expect(Set(after).isDisjoint(with: before))
        #expect(after.allSatisfy { $0 > before.max()! })
        #expect(try manager.partition(tp)!.readAll().map(\.value) == values)
        // Appends go on under a new DEK; a second run rewrites the segments again.
        try Fixtures.append(manager.partition(tp)!, ["after"])
        #expect(try manager.reencrypt(ReencryptRequest()).segmentsRewritten >= report.segmentsRewritten)
        #expect(try manager.partition(tp)!.readAll().map(\.value) == values + ["after"])
        // The plaintext-only mode finds nothing left to do.
        let idle = try manager.reencrypt(ReencryptRequest(plaintextOnly: true))
        #expect(idle.segmentsRewritten == 0 && idle.segmentsCurrent > 0)
        manager.close()
        keyring?.close()
    }

    @Test(arguments: SegmentRewriteStep.allCases)
    func aCrashAtEveryStepLeavesTheOldOrTheNewSegmentNeverAMix(step: SegmentRewriteStep) throws {
        let dir = TempDirectory("rewrite")
        let values = try writePlaintext(dir)
        do {
            let (manager, keyring) = try manager(dir, sealing: true)
            #expect(throws: StorageError.self) { try manager.reencrypt(ReencryptRequest(), stopAfter: step) }
            // The process "dies" here: nothing more is written for this rewrite.
            manager.close()
            keyring?.close()
        }
        let segments = formatsBySegment(dir)
        let rewritten = segments.filter { $0.allSatisfy { $0 == FrameHeader.Format.sealed.rawValue } && !$0.isEmpty }
        // Exactly the first segment was being rewritten: it is wholly old or wholly new.
        for formats in segments { #expect(Set(formats).count <= 1, "a segment mixes plain and sealed frames: \(formats)") }
        #expect(rewritten.count == (step == .temporaryFilesWritten || step == .oldIndexesRemoved ? 0 : 1))
        let names = (try? FileManager.default.contentsOfDirectory(atPath: partitionDirectory(dir))) ?? []
        let temps: [SegmentRewriteStep: Int] = [.temporaryFilesWritten: 3, .oldIndexesRemoved: 3, .logReplaced: 2, .indexesReplaced: 0]
        #expect(names.filter { $0.hasSuffix(".rewrite.tmp") }.count == temps[step])
        #expect(names.contains(Segment.fileStem(0) + ".index") == (step == .temporaryFilesWritten || step == .indexesReplaced))
        let (manager, keyring) = try manager(dir, sealing: true)
        let log = try #require(manager.partition(tp))
        #expect(try log.readAll().map(\.value) == values)
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: partitionDirectory(dir))) ?? []).filter { $0.hasSuffix(".tmp") } == [])
        for offset in [0, 5, 11, 17, 23] {
            #expect(try Fixtures.offsets(log.read(from: Int64(offset), maxBytes: 1).records).contains(Int64(offset)))
        }
        // Finishing the job afterwards converts everything.
        #expect(try manager.reencrypt(ReencryptRequest()).failures == [])
        #expect(try log.readAll().map(\.value) == values)
        manager.close()
        keyring?.close()
        #expect(!containsMarker(dir))
    }

    @Test func fetchesDuringTheRewriteAlwaysGetTheRightRecords() throws {
        let dir = TempDirectory("rewrite")
        let values = try writePlaintext(dir)
        let (manager, keyring) = try manager(dir, sealing: true)
        defer {
            manager.close()
            keyring?.close()
        }
        let log = try #require(manager.partition(tp))
        let done = Atomic<Bool>(false)
        let problems = Mutex<[String]>([])
        let reads = Atomic<Int>(0)
        let reader = Thread {
            var offset: Int64 = 0
            while !done.load(ordering: .acquiring) {
                do {
                    let got = try Fixtures.records(log.read(from: offset, maxBytes: 1).records)
                    if got.first(where: { $0.offset == offset })?.value != values[Int(offset)] {
                        problems.withLock { $0.append("offset \(offset): \(got.map(\.value))") }
                    }
                } catch {
                    problems.withLock { $0.append("offset \(offset): \(error)") }
                }
                reads.add(1, ordering: .relaxed)
                offset = (offset + 7) % Int64(values.count)
            }
        }
        reader.start()
        for _ in 0..<3 { #expect(try manager.reencrypt(ReencryptRequest()).failures == []) }
        done.store(true, ordering: .releasing)
        while !reader.isFinished { Thread.sleep(forTimeInterval: 0.01) }
        #expect(problems.withLock { $0 } == [])
        #expect(reads.load(ordering: .relaxed) > 0)
    }

    @Test func aFetchPlannedBeforeASwapReadsTheFileItPlanned() throws {
        let dir = TempDirectory("rewrite")
        let values = try writePlaintext(dir)
        let (manager, keyring) = try manager(dir, sealing: true)
        defer {
            manager.close()
            keyring?.close()
        }
        let log = try #require(manager.partition(tp))
        #expect(log.closedSegments().count >= 2)
        // The whole re-encryption runs between this read's planning and its I/O.
        final class Flag: Sendable { let swapped = Atomic<Bool>(false) }
        let flag = Flag()
        PartitionLog.afterReadPlanned = { partition in
            guard partition === log, !flag.swapped.exchange(true, ordering: .relaxed) else { return }
            _ = try? manager.reencrypt(ReencryptRequest())
        }
        defer { PartitionLog.afterReadPlanned = nil }
        let got = try Fixtures.records(log.read(from: 5, maxBytes: 1).records)
        let didSwap = flag.swapped.load(ordering: .relaxed)
        #expect(didSwap)
        #expect(got.first { $0.offset == 5 }?.value == values[5])
        #expect(formatsBySegment(dir).allSatisfy { $0.allSatisfy { $0 == FrameHeader.Format.sealed.rawValue } })
        #expect(try log.readAll().map(\.value) == values)
    }

    @Test func theRateBoundsHowFastOldSegmentsAreRead() throws {
        let dir = TempDirectory("rewrite")
        _ = try writePlaintext(dir)
        let (manager, keyring) = try manager(dir, sealing: true)
        defer {
            manager.close()
            keyring?.close()
        }
        let started = ContinuousClock.now
        let report = try manager.reencrypt(ReencryptRequest(bytesPerSecond: 4096))
        let elapsed = ContinuousClock.now - started
        #expect(report.bytesRead > 2048)
        // At 4 KiB/s, reading bytesRead takes at least bytesRead/4096 s (less the first frame's worth).
        let floor = Double(report.bytesRead - 200) / 4096
        #expect(elapsed >= .milliseconds(Int64(floor * 1000)))
    }

    @Test func reencryptNeedsEncryptionEnabledAndAnExistingTopic() throws {
        let dir = TempDirectory("rewrite")
        do {
            let (plain, keyring) = try manager(dir, sealing: false)
            #expect(throws: StorageError.self) { try plain.reencrypt(ReencryptRequest()) }
            plain.close()
            keyring?.close()
        }
        let (sealed, keyring) = try manager(dir, sealing: true)
        let error = #expect(throws: StorageError.self) { try sealed.reencrypt(ReencryptRequest(topics: ["missing"])) }
        #expect(error?.errorCode == .unknownTopicOrPartition)
        sealed.close()
        keyring?.close()
    }
}
