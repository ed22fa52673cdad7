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

    public init(directory: String) { self.directory = directory }

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
            for range in ranges {
                let bytes = try AuditFileIO.readRange(fd: fd, path: path, offset: range.lowerBound, count: range.count)
                let more = try Self.scan(bytes, query: query, fromSequence: fromSequence, stats: &stats, body)
                if !more { return stats }
            }
        }
        return stats
    }

    /// Filters the records in `bytes` (whole records from a segment); false when `body` stopped.
    static func scan(_ bytes: [UInt8], query: AuditQuery, fromSequence: UInt64, stats: inout AuditScanStatistics,
                     _ body: (AuditRecord) throws -> Bool) throws -> Bool {
        var matches: [AuditRecord] = []
        var stop = false
        var failure: (any Error)?
        bytes.withUnsafeBytes { p in
            var offset = 0
            while offset < p.count && !stop {  // bounded: each record advances offset
                guard case .record(let bodyRange, _, let next) = AuditFrame.parse(p, at: offset, end: p.count) else { return }
                offset = next
                let slice = UnsafeRawBufferPointer(rebasing: p[bodyRange])
                guard let raw = try? AuditRawEvent.parse(slice) else { continue }
                stats.recordsExamined += 1
                guard raw.sequence >= fromSequence, query.matches(raw) else { continue }
                guard let record = try? AuditRecordCodec.decodeEvent(slice) else { continue }
                if let network = query.clientNetwork, !network.contains(record.event.clientAddress) { continue }
                stats.matches += 1
                matches.append(record)
                if matches.count >= 4096 {
                    do {
                        for m in matches where !stop { if try !body(m) { stop = true } }
                    } catch {
                        failure = error
                        stop = true
                    }
                    matches.removeAll(keepingCapacity: true)
                }
            }
        }
        if let failure { throw failure }
        if stop { return false }
        for m in matches { if try !body(m) { return false } }
        return true
    }

    private func sidecar(_ first: UInt64, size: Int) -> AuditSegmentIndex? {
        let path = directory + "/" + AuditSegmentIndex.sidecarName(firstSequence: first)
        guard let bytes = try? AuditFileIO.readAll(path, limit: 64 << 20), let index = AuditSegmentIndex.decode(bytes),
              index.segmentFirstSequence == first, index.coveredBytes == size else { return nil }
        return index
    }

    /// The sequence number the next record will have (for `tail -f` to start at the end).
    public func nextSequence() throws -> UInt64 {
        guard let last = try AuditLogDirectory.segments(in: directory).last else { return 1 }
        let bytes = try AuditFileIO.readAll(AuditLogDirectory.segmentPath(directory, last))
        let header = try AuditSegmentHeader.decode(bytes)
        var scan = AuditSegmentScan(firstSequence: header.firstSequence, previousHash: header.previousHash)
        bytes.withUnsafeBytes { scan.run($0) }
        return scan.nextSequence
    }
}

extension AuditSegmentIndex.Block {
    var lastSequence: UInt64 { firstSequence + UInt64(count) - 1 }
}
