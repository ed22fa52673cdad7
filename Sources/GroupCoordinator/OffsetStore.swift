import Foundation
import Logging

/// Committed offsets and the little group metadata that outlives members, kept in memory
/// and made durable in one append-only log of JSON lines (`offsets.log`).
///
/// Every `append` is written and fsynced before it returns, so an acknowledged commit
/// survives a crash. A torn final line (crash mid-write) is ignored on load. The log is
/// rewritten as a snapshot (atomically) at start-up and whenever it has grown to twice
/// its last snapshot, so superseded commits do not accumulate.
final class OffsetStore {
    struct GroupRecord: Equatable, Sendable {
        var protocolType: String?
        var generation: Int32
    }

    private(set) var offsets: [String: [TopicPartition: CommittedOffset]] = [:]
    private(set) var groups: [String: GroupRecord] = [:]

    let directory: String
    let logPath: String
    private let logger: Logger
    private var fd: Int32 = -1
    private var fileSize: Int64 = 0
    private var snapshotSize: Int64 = 0
    /// Below this the log is never compacted: rewriting a small file gains nothing.
    var compactionMinBytes: Int64 = 1 << 20
    /// Encryption at rest: when set, every line written is sealed.
    private let sealing: OffsetLogSealing?

    init(directory: String, logger: Logger, sealing: OffsetLogSealing? = nil) throws {
        self.sealing = sealing
        self.directory = directory
        self.logPath = directory + "/offsets.log"
        self.logger = logger
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try load()
        // Rewriting at once also cuts a torn tail, which the next append would otherwise
        // glue onto.
        try compact()
    }

    deinit {
        close()
    }

    func close() {
        if fd >= 0 {
            DurableFile.closeFile(fd)
            fd = -1
        }
    }

    /// Writes `records` as one durable append, then applies them in memory. On failure
    /// nothing is applied and the file is cut back to its previous end.
    func append(_ records: [OffsetLogRecord]) throws {
        guard !records.isEmpty else { return }
        var bytes: [UInt8] = []
        let encoder = JSONEncoder()
        for record in records {
            bytes += try line(encoder.encode(record))
            bytes.append(UInt8(ascii: "\n"))
        }
        if fd < 0 {
            fd = try DurableFile.openForAppend(logPath)
            fileSize = try DurableFile.size(of: fd, path: logPath)
        }
        do {
            try DurableFile.writeAll(fd, bytes, path: logPath)
            try DurableFile.sync(fd, path: logPath)
        } catch {
            try? DurableFile.truncate(fd, to: fileSize, path: logPath)
            throw error
        }
        fileSize += Int64(bytes.count)
        records.forEach(apply)
        if fileSize > max(compactionMinBytes, 2 * snapshotSize) {
            do {
                try compact()
            } catch {
                // The appended log is still complete and durable; try again next time.
                logger.warning("offsets log compaction failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Rewrites the log as the current state, atomically.
    func compact() throws {
        let encoder = JSONEncoder()
        var bytes: [UInt8] = []
        for record in snapshotRecords() {
            bytes += try line(encoder.encode(record))
            bytes.append(UInt8(ascii: "\n"))
        }
        close()
        try DurableFile.replace(logPath, with: bytes, directory: directory)
        fd = try DurableFile.openForAppend(logPath)
        fileSize = Int64(bytes.count)
        snapshotSize = fileSize
    }

    func snapshotRecords() -> [OffsetLogRecord] {
        var records: [OffsetLogRecord] = []
        for (group, record) in groups.sorted(by: { $0.key < $1.key }) {
            records.append(OffsetLogRecord(
                kind: .group, group: group, protocolType: record.protocolType, generation: record.generation))
        }
        for (group, partitions) in offsets.sorted(by: { $0.key < $1.key }) {
            let entries = partitions.sorted(by: { $0.key < $1.key }).map { key, value in
                OffsetLogRecord.Entry(
                    topic: key.topic, partition: key.partition, offset: value.offset,
                    leaderEpoch: value.leaderEpoch, metadata: value.metadata, timestamp: value.commitTimestamp)
            }
            records.append(OffsetLogRecord(kind: .commit, group: group, entries: entries))
        }
        return records
    }

    private func load() throws {
        guard let data = FileManager.default.contents(atPath: logPath) else { return }
        let decoder = JSONDecoder()
        var lineStart = data.startIndex
        var lineNumber = 0
        while let newline = data[lineStart...].firstIndex(of: UInt8(ascii: "\n")) {
            lineNumber += 1
            let line = data[lineStart..<newline]
            lineStart = data.index(after: newline)
            if line.isEmpty { continue }
            if line.first == UInt8(ascii: "S") {
                // A sealed line that cannot be opened stops start-up: skipping it would let
                // the compaction below drop the commit for good.
                guard let sealing else {
                    throw OffsetStoreError(
                        operation: "read sealed line \(lineNumber) (no encryption key is configured)", path: logPath, errno: EACCES)
                }
                let plain: Data
                do {
                    plain = try sealing.open(Data(line))
                } catch {
                    throw OffsetStoreError(operation: "open sealed line \(lineNumber): \(error)", path: logPath, errno: EBADMSG)
                }
                if let record = try? decoder.decode(OffsetLogRecord.self, from: plain) { apply(record) }
                continue
            }
            do {
                apply(try decoder.decode(OffsetLogRecord.self, from: line))
            } catch {
                logger.warning("skipping unreadable offsets log line", metadata: ["line": "\(lineNumber)", "path": "\(logPath)"])
            }
        }
        if lineStart < data.endIndex {
            // Never acknowledged: a commit returns only after its whole line is synced.
            logger.warning("ignoring torn final line of offsets log", metadata: [
                "bytes": "\(data.endIndex - lineStart)", "path": "\(logPath)",
            ])
        }
    }

    /// A record's JSON as written: sealed when encryption is on.
    private func line(_ json: Data) throws -> [UInt8] {
        guard let sealing, sealing.sealNewLines else { return Array(json) }
        return try sealing.seal(Array(json))
    }

    private func apply(_ record: OffsetLogRecord) {
        switch record.kind {
        case .commit:
            guard let group = record.group else { return }
            for entry in record.entries ?? [] {
                offsets[group, default: [:]][TopicPartition(topic: entry.topic, partition: entry.partition)] = CommittedOffset(
                    offset: entry.offset ?? -1,
                    leaderEpoch: entry.leaderEpoch ?? -1,
                    metadata: entry.metadata ?? "",
                    commitTimestamp: entry.timestamp ?? 0
                )
            }
        case .delete:
            guard let group = record.group else { return }
            for entry in record.entries ?? [] {
                offsets[group]?[TopicPartition(topic: entry.topic, partition: entry.partition)] = nil
            }
            if offsets[group]?.isEmpty == true {
                offsets[group] = nil
            }
        case .deleteGroup:
            guard let group = record.group else { return }
            offsets[group] = nil
            groups[group] = nil
        case .group:
            guard let group = record.group else { return }
            groups[group] = GroupRecord(protocolType: record.protocolType, generation: record.generation ?? 0)
        case .deleteTopic:
            guard let topic = record.topic else { return }
            for group in Array(offsets.keys) {
                offsets[group] = offsets[group]?.filter { $0.key.topic != topic }
                if offsets[group]?.isEmpty == true {
                    offsets[group] = nil
                }
            }
        }
    }
}
