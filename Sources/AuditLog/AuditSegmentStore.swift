import EnvelopeCrypto

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The writer's side of the files: the active segment (opened O_APPEND, never rewritten),
/// the chain state, checkpoints, the HEAD, rotation and retention. Owned by the writer's
/// flush thread; not thread-safe.
final class AuditSegmentStore {
    let config: AuditConfig
    let key: AuditSigningKey
    let logId: [UInt8]
    var directory: String { config.directory }

    /// First sequence numbers of the closed segments, oldest first.
    private(set) var closedSegments: [UInt64] = []
    private var fd: Int32 = -1
    private(set) var activeFirstSequence: UInt64 = 1
    private(set) var activeSize = 0
    private var activeOpenedAt: Int64 = 0
    private(set) var nextSequence: UInt64 = 1
    private(set) var lastHash = [UInt8](repeating: 0, count: 32)
    /// The last event (not checkpoint) appended, 0 before the first in this process's view.
    private(set) var lastEventSequence: UInt64 = 0
    /// The active segment's index, kept as records are appended; written out at rotation.
    private(set) var index = AuditSegmentIndex(segmentFirstSequence: 1)
    private(set) var lastCheckpointTime: Int64
    /// Events appended since the last checkpoint.
    private(set) var uncheckpointed = 0
    /// Whether the active segment's last record is a checkpoint (a rotation then needs none).
    private var endsWithCheckpoint = false

    var activePath: String { path(AuditSegmentHeader.fileName(firstSequence: activeFirstSequence)) }
    func path(_ name: String) -> String { directory + "/" + name }

    /// Opens the log in `config.directory`, creating it if needed. A torn final record of
    /// the active segment (bytes after the last complete record: an append cut short by a
    /// crash, never acknowledged) is cut off; `notes` says so, for the writer to record.
    /// Encryption at rest: new event records are sealed when it says so.
    let sealing: AuditSealing?
    /// The current DEK's sealer: a new one for each segment and each start (nonce safety).
    private var sealer: BatchSealer?
    private var opener: AuditBodyOpener { AuditBodyOpener(sealing: sealing, logId: logId) }

    init(config: AuditConfig, key: AuditSigningKey, now: Int64, sealing: AuditSealing? = nil) throws(AuditLogError) {
        self.config = config
        self.key = key
        self.sealing = sealing
        self.logId = key.publicKey.logId
        self.lastCheckpointTime = now
        try AuditFileIO.makeDirectory(config.directory)
        let segments = try AuditLogDirectory.segments(in: config.directory)
        guard let last = segments.last else {
            var first: UInt64 = 1
            var previous = [UInt8](repeating: 0, count: 32)
            if let anchor = try AuditLogDirectory.mark(.anchor, in: config.directory) {
                first = anchor.sequence
                previous = anchor.hash
            }
            try createSegment(firstSequence: first, previousHash: previous, now: now)
            return
        }
        closedSegments = Array(segments.dropLast())
        try recover(last, now: now)
    }

    private(set) var notes: [AuditEvent] = []

    private func recover(_ first: UInt64, now: Int64) throws(AuditLogError) {
        let file = path(AuditSegmentHeader.fileName(firstSequence: first))
        let bytes = try AuditFileIO.readAll(file)
        if bytes.count < AuditSegmentHeader.size {
            // Cut inside the header at creation: nothing in it was ever acknowledged.
            let previous = try previousHash(before: first)
            guard unlink(file) == 0 else { throw AuditLogError(.io, "cannot remove torn segment \(file)") }
            try createSegment(firstSequence: first, previousHash: previous, now: now)
            notes.append(AuditEvent(kind: .auditLog, time: now, action: "torn-tail",
                                    reason: "segment \(first) was cut inside its header (\(bytes.count) bytes); recreated"))
            return
        }
        let header = try AuditSegmentHeader.decode(bytes)
        guard header.logId == logId else {
            throw AuditLogError(.badKey, "segment \(file) belongs to another log (its log id does not match the signing key)")
        }
        var scan = AuditSegmentScan(firstSequence: header.firstSequence, previousHash: header.previousHash, opener: opener)
        bytes.withUnsafeBytes { scan.run($0) }
        activeFirstSequence = first
        nextSequence = scan.nextSequence
        lastHash = scan.lastHash
        lastEventSequence = scan.lastEventSequence
        index = scan.index
        activeOpenedAt = scan.firstTime ?? now
        uncheckpointed = scan.eventsAfterCheckpoint
        endsWithCheckpoint = scan.endsWithCheckpoint
        fd = open(file, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw AuditLogError(.io, "cannot open \(file): \(AuditFileIO.errorText())") }
        switch scan.end {
        case .clean:
            activeSize = bytes.count
        case .torn(let offset):
            // The one non-append write: cutting bytes that were never acknowledged.
            guard ftruncate(fd, off_t(offset)) == 0, fsync(fd) == 0 else {
                throw AuditLogError(.io, "cannot cut the torn tail of \(file): \(AuditFileIO.errorText())")
            }
            activeSize = offset
            notes.append(AuditEvent(kind: .auditLog, time: now, action: "torn-tail",
                                    reason: "cut \(bytes.count - offset) bytes of an unacknowledged record after sequence \(nextSequence - 1)"))
        case .invalid(let offset):
            // Not something a crash leaves: keep the bytes for verify to report, continue in a new segment.
            activeSize = bytes.count
            notes.append(AuditEvent(kind: .auditLog, time: now, result: .denied, action: "corrupt-segment",
                                    reason: "segment \(first) is unreadable from byte \(offset); continuing in a new segment"))
            try rotate(now: now, checkpointFirst: false)
        }
    }

    private func previousHash(before first: UInt64) throws(AuditLogError) -> [UInt8] {
        if let prior = closedSegments.last {
            let bytes = try AuditFileIO.readAll(path(AuditSegmentHeader.fileName(firstSequence: prior)))
            let header = try AuditSegmentHeader.decode(bytes)
            var scan = AuditSegmentScan(firstSequence: header.firstSequence, previousHash: header.previousHash, opener: opener)
            bytes.withUnsafeBytes { scan.run($0) }
            return scan.lastHash
        }
        if let anchor = try AuditLogDirectory.mark(.anchor, in: directory) { return anchor.hash }
        return [UInt8](repeating: 0, count: 32)
    }

    private func createSegment(firstSequence: UInt64, previousHash: [UInt8], now: Int64) throws(AuditLogError) {
        let file = path(AuditSegmentHeader.fileName(firstSequence: firstSequence))
        let newFD = open(file, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o640)
        guard newFD >= 0 else { throw AuditLogError(.io, "cannot create \(file): \(AuditFileIO.errorText())") }
        let header = AuditSegmentHeader(firstSequence: firstSequence, logId: logId, previousHash: previousHash)
        do throws(AuditLogError) {
            try AuditFileIO.writeAll(fd: newFD, header.encoded(), path: file)
            guard fsync(newFD) == 0 else { throw AuditLogError(.io, "cannot fsync \(file)") }
            try AuditFileIO.fsyncDirectory(directory)
        } catch {
            close(newFD)
            throw error
        }
        fd = newFD
        activeFirstSequence = firstSequence
        activeSize = AuditSegmentHeader.size
        activeOpenedAt = now
        nextSequence = firstSequence
        lastHash = previousHash
        index = AuditSegmentIndex(segmentFirstSequence: firstSequence)
        endsWithCheckpoint = false
        sealer = nil
    }

    /// Encodes and appends `events` with one write. On failure the partial write is cut and
    /// the chain state left as before, so the next append links to the last good record.
    func append(_ events: [AuditEvent]) throws(AuditLogError) {
        guard !events.isEmpty else { return }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(events.count * 256)
        var sequence = nextSequence
        var hash = lastHash
        var newIndex = index
        if let sealing, sealing.sealNewRecords, sealer == nil || sealer!.isRetired { sealer = try sealing.newSealer() }
        var plain: [UInt8] = []
        for event in events {
            let start = buffer.count
            buffer += [0, 0, 0, 0]
            if let sealer {
                // The index is built from the plain body; only the sealed one is written.
                plain.removeAll(keepingCapacity: true)
                AuditRecordCodec.appendEventBody(event, sequence: sequence, to: &plain)
                try AuditSealing.appendSealed(plain, sequence: sequence, logId: logId, sealer: sealer, to: &buffer)
                hash = AuditRecordCodec.finishRecord(&buffer, bodyStart: start + 4, previousHash: hash)
                plain.withUnsafeBytes { p in
                    newIndex.add(try? AuditRawEvent.parse(p), sequence: sequence, offset: activeSize + start, end: activeSize + buffer.count)
                }
            } else {
                AuditRecordCodec.appendEventBody(event, sequence: sequence, to: &buffer)
                hash = AuditRecordCodec.finishRecord(&buffer, bodyStart: start + 4, previousHash: hash)
                buffer.withUnsafeBytes { p in
                    let body = UnsafeRawBufferPointer(rebasing: p[(start + 4)..<(p.count - 32)])
                    newIndex.add(try? AuditRawEvent.parse(body), sequence: sequence, offset: activeSize + start, end: activeSize + p.count)
                }
            }
            sequence += 1
        }
        try write(buffer)
        nextSequence = sequence
        lastEventSequence = sequence - 1
        lastHash = hash
        index = newIndex
        uncheckpointed += events.count
        endsWithCheckpoint = false
    }

    private func write(_ buffer: [UInt8]) throws(AuditLogError) {
        do throws(AuditLogError) {
            try AuditFileIO.writeAll(fd: fd, buffer, path: activePath)
        } catch {
            _ = ftruncate(fd, off_t(activeSize))
            throw error
        }
        activeSize += buffer.count
    }

    /// One fsync for everything appended since the last: the group commit.
    func sync() throws(AuditLogError) {
        guard fdatasync(fd) == 0 else { throw AuditLogError(.io, "cannot fsync \(activePath): \(AuditFileIO.errorText())") }
    }

    /// Appends a signed checkpoint over the chain so far, syncs, then replaces the HEAD.
    func checkpoint(now: Int64) throws(AuditLogError) {
        let sequence = nextSequence
        var buffer: [UInt8] = [0, 0, 0, 0, AuditRecordCodec.checkpointType]
        buffer.appendLE(sequence)
        buffer.appendLE(now)
        buffer += try key.sign(AuditCheckpointMessage.bytes(logId: logId, sequence: sequence, time: now, previousHash: lastHash))
        let hash = AuditRecordCodec.finishRecord(&buffer, bodyStart: 4, previousHash: lastHash)
        let offset = activeSize
        try write(buffer)
        try sync()
        index.add(nil, sequence: sequence, offset: offset, end: activeSize)
        nextSequence = sequence + 1
        lastHash = hash
        uncheckpointed = 0
        endsWithCheckpoint = true
        lastCheckpointTime = now
        let head = try AuditSignedMark.make(role: .head, key: key, sequence: sequence, hash: hash, time: now)
        try AuditFileIO.replaceAtomically(path("HEAD"), head.encoded(), mode: 0o640)
    }

    /// Size, or age once the segment holds more than the log's own events (so an idle log
    /// does not start a segment an hour just to say it rotated).
    func rotationDue(now: Int64) -> Bool {
        if activeSize >= config.segmentBytes { return true }
        let auditLogBit = UInt8(1) << (AuditEventKind.auditLog.rawValue & 7)
        return now - activeOpenedAt >= config.segmentMilliseconds
            && index.blocks.contains { $0.kindMask & ~auditLogBit != 0 }
    }

    /// One past the last event: where a reader that skips checkpoints has caught up.
    var eventEnd: UInt64 { lastEventSequence > 0 ? lastEventSequence + 1 : activeFirstSequence }

    /// When the active segment becomes due for time-based rotation.
    var rotationDeadline: Int64 { activeOpenedAt + config.segmentMilliseconds }

    /// Closes the active segment with a checkpoint as its last record, writes its sidecar
    /// index, and starts the next segment.
    func rotate(now: Int64, checkpointFirst: Bool = true) throws(AuditLogError) {
        if checkpointFirst && !endsWithCheckpoint { try checkpoint(now: now) }
        try? AuditFileIO.replaceAtomically(path(AuditSegmentIndex.sidecarName(firstSequence: activeFirstSequence)),
                                           index.encoded(), mode: 0o640)
        close(fd)
        fd = -1
        closedSegments.append(activeFirstSequence)
        try createSegment(firstSequence: nextSequence, previousHash: lastHash, now: now)
    }

    /// Deletes whole closed segments past retention. First the signed ANCHOR (first retained
    /// sequence and the hash before it) is written, then the files go; returns a description
    /// of what was deleted, for the writer to record, or nil.
    func applyRetention(now: Int64) throws(AuditLogError) -> String? {
        guard config.retentionMilliseconds >= 0 || config.retentionBytes >= 0, !closedSegments.isEmpty else { return nil }
        var total = Int64(activeSize)
        var sizes: [Int64] = []
        for first in closedSegments {
            let size = Int64(AuditFileIO.fileSize(path(AuditSegmentHeader.fileName(firstSequence: first))) ?? 0)
            sizes.append(size)
            total += size
        }
        var victims = 0
        while victims < closedSegments.count {
            let first = closedSegments[victims]
            let byAge = config.retentionMilliseconds >= 0
                && (newestTime(ofClosed: first) ?? Int64.max) < now - config.retentionMilliseconds
            let bySize = config.retentionBytes >= 0 && total > config.retentionBytes
            guard byAge || bySize else { break }
            total -= sizes[victims]
            victims += 1
        }
        guard victims > 0 else { return nil }
        let firstRetained = victims < closedSegments.count ? closedSegments[victims] : activeFirstSequence
        let retainedFile = path(AuditSegmentHeader.fileName(firstSequence: firstRetained))
        let headerFD = open(retainedFile, O_RDONLY | O_CLOEXEC)
        guard headerFD >= 0 else { throw AuditLogError(.io, "cannot open \(retainedFile): \(AuditFileIO.errorText())") }
        defer { close(headerFD) }
        let header = try AuditSegmentHeader.decode(
            try AuditFileIO.readRange(fd: headerFD, path: retainedFile, offset: 0, count: AuditSegmentHeader.size))
        let anchor = try AuditSignedMark.make(role: .anchor, key: key, sequence: firstRetained, hash: header.previousHash, time: now)
        try AuditFileIO.replaceAtomically(path("ANCHOR"), anchor.encoded(), mode: 0o640)
        let deleted = Array(closedSegments[0..<victims])
        for first in deleted {
            unlink(path(AuditSegmentHeader.fileName(firstSequence: first)))
            unlink(path(AuditSegmentIndex.sidecarName(firstSequence: first)))
        }
        try AuditFileIO.fsyncDirectory(directory)
        closedSegments.removeFirst(victims)
        return "deleted \(victims) segment(s) holding sequences \(deleted[0])..\(firstRetained - 1); the chain now starts at \(firstRetained)"
    }

    /// The newest event time in a closed segment, from its sidecar (or a scan).
    private func newestTime(ofClosed first: UInt64) -> Int64? {
        let file = path(AuditSegmentHeader.fileName(firstSequence: first))
        if let bytes = try? AuditFileIO.readAll(path(AuditSegmentIndex.sidecarName(firstSequence: first))),
           let sidecar = AuditSegmentIndex.decode(bytes), sidecar.coveredBytes == AuditFileIO.fileSize(file) {
            return sidecar.maxTime
        }
        guard let bytes = try? AuditFileIO.readAll(file),
              let header = try? AuditSegmentHeader.decode(bytes) else { return nil }
        var scan = AuditSegmentScan(firstSequence: header.firstSequence, previousHash: header.previousHash, opener: opener)
        bytes.withUnsafeBytes { scan.run($0) }
        return scan.index.maxTime
    }

    func closeFile() {
        if fd >= 0 { close(fd) }
        fd = -1
    }

    deinit { closeFile() }
}
