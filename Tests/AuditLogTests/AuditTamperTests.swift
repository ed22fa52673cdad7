import Foundation
import Testing

@testable import AuditLog

/// Every way of changing a closed log that `verify` must catch, each with the exact first
/// bad sequence number.
@Suite struct AuditTamperTests {
    /// A log of six segments: 40 events per flush, a checkpoint at each flush, a rotation
    /// after each (4 KiB segments); then 10 more events, a final checkpoint and HEAD at close.
    static func makeLog(_ dir: AuditTempDirectory, key: AuditSigningKey) async throws -> [UInt64] {
        let writer = try AuditFixtures.flushOnlyWriter(AuditFixtures.config(dir, segmentBytes: 4096), key: key)
        for chunk in 0..<5 {
            for i in 0..<40 { _ = writer.record(AuditFixtures.event(chunk * 40 + i)) }
            try await writer.flush()
        }
        for i in 0..<10 { _ = writer.record(AuditFixtures.event(500 + i)) }
        writer.close()
        let segments = try AuditLogDirectory.segments(in: dir.audit)
        let report = try AuditVerifier.verify(directory: dir.audit, publicKey: key.publicKey)
        #expect(report.isIntact && segments.count == 6)
        return segments
    }

    func segmentPath(_ dir: AuditTempDirectory, _ first: UInt64) -> String { AuditLogDirectory.segmentPath(dir.audit, first) }

    func read(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

    func write(_ path: String, _ bytes: [UInt8]) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }

    func firstBad(_ dir: AuditTempDirectory, _ key: AuditSigningKey) throws -> UInt64? {
        try AuditVerifier.verify(directory: dir.audit, publicKey: key.publicKey).firstBadSequence
    }

    /// The third event record of segment 2 (not its rotation event).
    func victim(_ layout: SegmentLayout) -> SegmentLayout.Entry {
        layout.entries.filter { $0.type == AuditRecordCodec.eventType }[3]
    }

    @Test func flippedByteIsCaughtAtItsRecord() async throws {
        let dir = AuditTempDirectory(), key = AuditSigningKey.generate()
        let segments = try await Self.makeLog(dir, key: key)
        let path = segmentPath(dir, segments[1])
        var bytes = try read(path)
        let target = victim(SegmentLayout(bytes))
        bytes[target.range.lowerBound + 40] ^= 0x01
        try write(path, bytes)
        #expect(try firstBad(dir, key) == target.sequence)
    }

    @Test func deletedEventIsCaughtAtItsSequence() async throws {
        let dir = AuditTempDirectory(), key = AuditSigningKey.generate()
        let segments = try await Self.makeLog(dir, key: key)
        let path = segmentPath(dir, segments[2])
        var bytes = try read(path)
        let target = victim(SegmentLayout(bytes))
        bytes.removeSubrange(target.range)
        try write(path, bytes)
        #expect(try firstBad(dir, key) == target.sequence)
    }

    @Test func reorderedEventsAreCaughtAtTheFirstMoved() async throws {
        let dir = AuditTempDirectory(), key = AuditSigningKey.generate()
        let segments = try await Self.makeLog(dir, key: key)
        let path = segmentPath(dir, segments[1])
        var bytes = try read(path)
        let layout = SegmentLayout(bytes)
        let a = victim(layout)
        let b = try #require(layout.entry(a.sequence + 1))
        let swapped = Array(bytes[b.range]) + Array(bytes[a.range])
        bytes.replaceSubrange(a.range.lowerBound..<b.range.upperBound, with: swapped)
        try write(path, bytes)
        #expect(try firstBad(dir, key) == a.sequence)
    }

    @Test func truncationIsCaughtEvenAtTheEndOfTheLastSegment() async throws {
        let dir = AuditTempDirectory(), key = AuditSigningKey.generate()
        let segments = try await Self.makeLog(dir, key: key)
        // Cut the last segment inside an event record: it looks like a torn tail, but the
        // signed HEAD says the log went further.
        let last = segmentPath(dir, segments[5])
        let bytes = try read(last)
        let target = victim(SegmentLayout(bytes))
        try write(last, Array(bytes[0..<(target.range.lowerBound + 10)]))
        #expect(try firstBad(dir, key) == target.sequence)

        // Cut a middle segment at a record boundary: its closing checkpoint is gone.
        let dir2 = AuditTempDirectory()
        let segments2 = try await Self.makeLog(dir2, key: key)
        let middle = segmentPath(dir2, segments2[2])
        let bytes2 = try read(middle)
        let target2 = victim(SegmentLayout(bytes2))
        try write(middle, Array(bytes2[0..<target2.range.lowerBound]))
        #expect(try firstBad(dir2, key) == target2.sequence)

        // Remove the newest segment entirely: HEAD is beyond the end.
        let dir3 = AuditTempDirectory()
        let segments3 = try await Self.makeLog(dir3, key: key)
        try FileManager.default.removeItem(atPath: segmentPath(dir3, segments3[5]))
        #expect(try firstBad(dir3, key) == segments3[5])
    }

    @Test func segmentFromAnotherLogIsCaught() async throws {
        let dir = AuditTempDirectory(), key = AuditSigningKey.generate()
        let other = AuditTempDirectory(), otherKey = AuditSigningKey.generate()
        let segments = try await Self.makeLog(dir, key: key)
        let otherSegments = try await Self.makeLog(other, key: otherKey)
        #expect(segments == otherSegments)  // same shape, so the file names line up
        try write(segmentPath(dir, segments[3]), try read(segmentPath(other, segments[3])))
        #expect(try firstBad(dir, key) == segments[3])
    }

    @Test func wholesaleReplacementWithAValidChainButNoValidSignatureIsCaught() async throws {
        let dir = AuditTempDirectory(), key = AuditSigningKey.generate()
        let segments = try await Self.makeLog(dir, key: key)
        let path = segmentPath(dir, segments[2])
        let original = try read(path)
        let header = try AuditSegmentHeader.decode(original)
        // The forger knows the public key (so the log id) and the chain before the segment,
        // rewrites every event's principal, recomputes every hash, and signs the closing
        // checkpoint with a key of their own.
        let forger = AuditSigningKey.generate()
        var forged = header.encoded()
        var previous = header.previousHash
        for entry in SegmentLayout(original).entries {
            let bodyStart = forged.count + 4
            forged += [0, 0, 0, 0]
            if entry.type == AuditRecordCodec.eventType {
                var record = try Array(original[(entry.range.lowerBound + 4)..<(entry.range.upperBound - 32)])
                    .withUnsafeBytes { try AuditRecordCodec.decodeEvent($0) }
                record.event.principal = "User:nobody"
                AuditRecordCodec.appendEventBody(record.event, sequence: record.sequence, to: &forged)
            } else {
                let time: Int64 = AuditFixtures.t0
                forged.append(AuditRecordCodec.checkpointType)
                forged.appendLE(entry.sequence)
                forged.appendLE(time)
                forged += try forger.sign(AuditCheckpointMessage.bytes(logId: key.publicKey.logId, sequence: entry.sequence,
                                                                       time: time, previousHash: previous))
            }
            previous = AuditRecordCodec.finishRecord(&forged, bodyStart: bodyStart, previousHash: previous)
        }
        try write(path, forged)
        #expect(try firstBad(dir, key) == segments[2])
    }

    @Test func tornTailFromACrashIsNotTamperingAndIsCutAndRecordedOnOpen() async throws {
        let dir = AuditTempDirectory(), key = AuditSigningKey.generate()
        let segments = try await Self.makeLog(dir, key: key)
        let last = segmentPath(dir, segments[5])
        let before = try read(last)
        // Half of a record appended after the last fsync: what kill -9 mid-write leaves.
        var partial: [UInt8] = [0, 0, 0, 0]
        AuditRecordCodec.appendEventBody(AuditFixtures.event(999), sequence: 999, to: &partial)
        _ = AuditRecordCodec.finishRecord(&partial, bodyStart: 4, previousHash: [UInt8](repeating: 0, count: 32))
        try write(last, before + partial.prefix(partial.count / 2))
        let report = try AuditVerifier.verify(directory: dir.audit, publicKey: key.publicKey)
        #expect(report.isIntact && report.tornTailBytes == partial.count / 2)

        let writer = try AuditLogWriter(config: AuditFixtures.config(dir, segmentBytes: 4096), key: key)
        try await writer.flush()
        writer.close()
        let after = try AuditVerifier.verify(directory: dir.audit, publicKey: key.publicKey)
        #expect(after.isIntact && after.tornTailBytes == 0)
        let notes = try AuditFixtures.all(dir.audit).filter { $0.event.action == "torn-tail" }
        #expect(notes.count == 1 && notes[0].sequence == report.lastSequence + 1)
    }

    @Test func retentionDeletesWholeSegmentsAndTheChainVerifiesFromTheOldestRetained() async throws {
        let dir = AuditTempDirectory(), key = AuditSigningKey.generate()
        var config = AuditFixtures.config(dir, segmentBytes: 4096)
        config.retentionMilliseconds = 60_000
        config.segmentMilliseconds = 10 * 86_400_000  // rotation by size only, so the shape is exact
        let clock = ManualClock(AuditFixtures.t0)
        let writer = try AuditFixtures.flushOnlyWriter(config, key: key, clock: clock)
        for chunk in 0..<4 {
            for i in 0..<40 { _ = writer.record(AuditFixtures.event(chunk * 40 + i, time: clock.read())) }
            try await writer.flush()
        }
        clock.advance(3_600_000)
        for i in 0..<40 { _ = writer.record(AuditFixtures.event(1000 + i, time: clock.read())) }
        try await writer.flush()
        writer.close()
        let remaining = try AuditLogDirectory.segments(in: dir.audit)
        #expect(remaining.count == 2)
        let report = try AuditVerifier.verify(directory: dir.audit, publicKey: key.publicKey)
        #expect(report.isIntact && report.firstSequence == remaining[0])
        let retention = try AuditFixtures.all(dir.audit).filter { $0.event.action == "retention" }
        #expect(retention.count == 1 && retention[0].event.reason.contains("deleted 4 segment(s)"))

        // Without the signed anchor the missing start is caught.
        try FileManager.default.removeItem(atPath: dir.audit + "/ANCHOR")
        #expect(try firstBad(dir, key) == 1)
    }
}
