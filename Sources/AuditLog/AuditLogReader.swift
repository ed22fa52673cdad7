#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How much a query read and skipped (for `--explain` and the benchmark).
public struct AuditScanStatistics: Sendable, Hashable {
    public var segments = 0
    public var segmentsSkipped = 0
    public var blocks = 0
    public var blocksSkipped = 0
    public var recordsExamined = 0
    public var matches = 0

    public init() {}
}

/// Reads a log for queries: segment by segment, oldest first, using each segment's sparse
/// index to read only blocks that may match. Closed segments use their sidecar when it
/// describes the file as it is; the active segment (and any segment without a usable
/// sidecar) is read whole and filtered record by record. Does not verify (see
/// `AuditVerifier`); stops quietly at an incomplete final record, which a writer may be
/// appending.
public struct AuditLogReader: Sendable {
    public let directory: String
    /// Opens sealed events (encryption at rest); without it a sealed event is an error.
    public let sealing: AuditSealing?

    public init(directory: String, sealing: AuditSealing? = nil) {
        self.directory = directory
        self.sealing = sealing
    }

    /// Calls `body` with each matching record in sequence order until it returns false.
    @discardableResult
    public func query(_ query: AuditQuery, fromSequence: UInt64 = 0,
                      _ body: (AuditRecord) throws -> Bool) throws -> AuditScanStatistics {
        var stats = AuditScanStatistics()
        var segments = try AuditLogDirectory.segments(in: directory)
        if let anchor = try? AuditLogDirectory.mark(.anchor, in: directory) { segments.removeAll { $0 < anchor.sequence } }
        for (i, first) in segments.enumerated() {
            if i + 1 < segments.count && segments[i + 1] <= fromSequence {
                stats.segmentsSkipped += 1
                continue
            }
            let path = AuditLogDirectory.segmentPath(directory, first)
            guard let size = AuditFileIO.fileSize(path) else { continue }  // deleted by retention meanwhile
            let index = sidecar(first, size: size)
            if let index, !index.blocks.contains(where: { query.mayMatch($0) && $0.lastSequence >= fromSequence }) {
                stats.segmentsSkipped += 1
                continue
            }
            stats.segments += 1
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw AuditLogError(.io, "cannot open \(path): \(AuditFileIO.errorText())") }
            defer { close(fd) }
            var opener = AuditBodyOpener(sealing: sealing)
            if sealing != nil {
                // The log id is part of what a sealed body is bound to.
                opener.logId = try AuditSegmentHeader.decode(
                    try AuditFileIO.readRange(fd: fd, path: path, offset: 0, count: AuditSegmentHeader.size)).logId
            }
            let ranges: [Range<Int>]
            if let index {
                var wanted: [Range<Int>] = []
                for block in index.blocks {
                    if query.mayMatch(block) && block.lastSequence >= fromSequence {
                        stats.blocks += 1
                        if let last = wanted.last, last.upperBound == block.offset {
                            wanted[wanted.count - 1] = last.lowerBound..<block.end
                        } else {
                            wanted.append(block.offset..<block.end)
                        }
                    } else {
                        stats.blocksSkipped += 1
                    }
                }
                ranges = wanted
            } else {
                ranges = [AuditSegmentHeader.size..<size]
            }
            // A closed segment (one with a sidecar) is never written or cut again, so it is
            // mapped and scanned in place: no copy of the bytes. The active segment may be
            // cut back after a failed write, which would fault a mapping; it is read.
            if index != nil, size > 0, let map = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), map != MAP_FAILED {
                defer { munmap(map, size) }
                let file = UnsafeRawBufferPointer(start: map, count: size)
                for range in ranges where range.upperBound <= size {
                    let more = try Self.scan(UnsafeRawBufferPointer(rebasing: file[range]), query: query, fromSequence: fromSequence,
                                             opener: opener, stats: &stats, body)
                    if !more { return stats }
                }
                continue
            }
            for range in ranges {
                let bytes = try AuditFileIO.readRange(fd: fd, path: path, offset: range.lowerBound, count: range.count)
                let more = try bytes.withUnsafeBytes { p in
                    try Self.scan(p, query: query, fromSequence: fromSequence, opener: opener, stats: &stats, body)
                }
                if !more { return stats }
            }
        }
        return stats
    }

    /// Filters the records in `p` (whole records from a segment); false when `body` stopped.
    static func scan(_ p: UnsafeRawBufferPointer, query: AuditQuery, fromSequence: UInt64, opener: AuditBodyOpener,
                     stats: inout AuditScanStatistics, _ body: (AuditRecord) throws -> Bool) throws -> Bool {
        var offset = 0
        while offset < p.count {  // bounded: each record advances offset
            guard case .record(let bodyRange, _, let next) = AuditFrame.parse(p, at: offset, end: p.count) else { break }
            offset = next
            let slice = UnsafeRawBufferPointer(rebasing: p[bodyRange])
            let found: AuditRecord?
            if slice.first == AuditRecordCodec.sealedEventType {
                // A sealed event without a key (or one that fails to open) is an error, not a skip.
                found = try opener.withPlain(slice) { (plain) throws(AuditLogError) -> AuditRecord? in
                    guard let raw = try? AuditRawEvent.parse(plain) else { return nil }
                    stats.recordsExamined += 1
                    guard raw.sequence >= fromSequence, query.matches(raw) else { return nil }
                    return try? AuditRecordCodec.decodeEvent(plain)
                }
            } else {
                guard let raw = try? AuditRawEvent.parse(slice) else { continue }
                stats.recordsExamined += 1
                guard raw.sequence >= fromSequence, query.matches(raw) else { continue }
                found = try? AuditRecordCodec.decodeEvent(slice)
            }
            guard let record = found else { continue }
            if let network = query.clientNetwork, !network.contains(record.event.clientAddress) { continue }
            stats.matches += 1
            if try !body(record) { return false }
        }
        return true
    }

    private func sidecar(_ first: UInt64, size: Int) -> AuditSegmentIndex? {
        let path = directory + "/" + AuditSegmentIndex.sidecarName(firstSequence: first)
        guard let bytes = try? AuditFileIO.readAll(path, limit: 64 << 20), let index = AuditSegmentIndex.decode(bytes),
              index.segmentFirstSequence == first, index.coveredBytes == size else { return nil }
        return index
    }

    /// The oldest retained sequence number: the signed anchor's after retention, else the
    /// first segment's (1 for a new log).
    public func firstSequence() throws -> UInt64 {
        let segments = try AuditLogDirectory.segments(in: directory)
        if let anchor = try? AuditLogDirectory.mark(.anchor, in: directory) {
            return segments.first(where: { $0 >= anchor.sequence }) ?? anchor.sequence
        }
        return segments.first ?? 1
    }

    /// The sequence number the next record will have (for `tail -f` to start at the end).
    public func nextSequence() throws -> UInt64 {
        guard let last = try AuditLogDirectory.segments(in: directory).last else { return 1 }
        let bytes = try AuditFileIO.readAll(AuditLogDirectory.segmentPath(directory, last))
        let header = try AuditSegmentHeader.decode(bytes)
        var scan = AuditSegmentScan(firstSequence: header.firstSequence, previousHash: header.previousHash,
                                    opener: AuditBodyOpener(sealing: sealing, logId: header.logId))
        bytes.withUnsafeBytes { scan.run($0) }
        return scan.nextSequence
    }
}

extension AuditSegmentIndex.Block {
    var lastSequence: UInt64 { firstSequence + UInt64(count) - 1 }
}
