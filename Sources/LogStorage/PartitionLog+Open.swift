import Logging

extension PartitionLog {
    static let logStartFile = "log-start-offset"

    /// Creates an empty partition directory with its first segment.
    static func create(
        _ topicPartition: TopicPartition, directory: String, config: LogConfig, durability: Durability,
        files: FileHandleCache, flusher: Flusher, logger: Logger, now: Int64, crypto: PartitionCrypto? = nil
    ) throws(StorageError) -> PartitionLog {
        try FileIO.makeDirectory(directory)
        var segment = Segment(baseOffset: 0, directory: directory, createdMs: now)
        try files.withDescriptor(segment.logPath, create: true) { _ in }
        // The caller fsyncs the parent once for all partitions; this directory's
        // entry for the segment is fsynced with the segment's first flush (a lost
        // empty segment is recreated at start-up anyway).
        segment.needsDirectorySync = true
        let state = PartitionState(config: config, segments: [segment], logStartOffset: 0, durableOffset: 0)
        return PartitionLog(
            topicPartition: topicPartition, directory: directory, state: state, durability: durability, files: files,
            flusher: flusher, logger: logger, crypto: crypto)
    }

    /// Opens an existing partition directory and recovers it: every segment's index
    /// tail is validated and the frames after the last trusted index entry are
    /// CRC-checked; a torn tail is cut, a corrupt or missing index rebuilt.
    static func open(
        _ topicPartition: TopicPartition, directory: String, config: LogConfig, durability: Durability,
        files: FileHandleCache, flusher: Flusher, logger: Logger, now: Int64, crypto: PartitionCrypto? = nil
    ) throws(StorageError) -> PartitionLog {
        let names = FileIO.list(directory)
        for name in names where name.hasSuffix(".tmp") { try FileIO.remove(directory + "/" + name) }
        // Index files whose log is gone: left by a crash while retention deleted a segment.
        for name in names where name.hasSuffix(".index") || name.hasSuffix(".timeindex") {
            let stem = name.prefix { $0 != "." }
            if !names.contains(stem + ".log") { try FileIO.remove(directory + "/" + name) }
        }
        let bases = names.compactMap { name -> Int64? in
            guard name.hasSuffix(".log") else { return nil }
            return Int64(name.dropLast(4))
        }.sorted()
        let checkpoint = names.contains(logStartFile) ? readLogStartCheckpoint(directory, logger: logger) : nil
        guard !bases.isEmpty else {
            let base = checkpoint ?? 0
            let segment = Segment(baseOffset: base, directory: directory, createdMs: now)
            try files.withDescriptor(segment.logPath, create: true) { _ in }
            let state = PartitionState(config: config, segments: [segment], logStartOffset: base, durableOffset: base)
            return PartitionLog(
                topicPartition: topicPartition, directory: directory, state: state, durability: durability, files: files,
                flusher: flusher, logger: logger, crypto: crypto)
        }
        let log = PartitionLog(
            topicPartition: topicPartition, directory: directory,
            state: PartitionState(config: config, segments: [], logStartOffset: 0, durableOffset: 0),
            durability: durability, files: files, flusher: flusher, logger: logger, crypto: crypto)
        var segments: [Segment] = []
        for (i, base) in bases.enumerated() {
            let next = i + 1 < bases.count ? bases[i + 1] : nil
            let (segment, cut) = try log.recoverSegment(base: base, nextBase: next, config: config, now: now)
            segments.append(segment)
            if let next, cut || segment.nextOffset != next {
                // Everything after a hole would be unreachable: the log must stay a prefix.
                logger.error(
                    "\(topicPartition): segment \(base) ends at offset \(segment.nextOffset) but the next starts at \(next); deleting the segments after it",
                    metadata: ["partition": "\(topicPartition)"])
                for later in bases[(i + 1)...] { try log.deleteSegmentFiles(Segment(baseOffset: later, directory: directory, createdMs: 0)) }
                break
            }
        }
        // segment.ms counts from the active segment's first batch: read when first needed.
        segments[segments.count - 1].rollingTimestamp = nil
        segments[segments.count - 1].rollingTimestampKnown = segments[segments.count - 1].isEmpty
        let end = segments[segments.count - 1].nextOffset
        // A snapshot past the recovered end describes batches that are gone; once the
        // log grew past it again it would describe different ones.
        for (offset, path) in log.snapshotFiles() where offset > end {
            logger.warning("deleting producer snapshot \(path): the log now ends at \(end)")
            try FileIO.remove(path)
        }
        let start = min(max(segments[0].baseOffset, checkpoint ?? 0), end)
        log.state.withLock { state in
            state.segments = segments
            state.logStartOffset = start
            state.durableOffset = end
        }
        return log
    }

    /// Recovers one segment; returns it and whether a torn tail was cut. `nextBase`
    /// is the next segment's base offset (nil for the active segment).
    func recoverSegment(base: Int64, nextBase: Int64?, config: LogConfig, now: Int64) throws(StorageError) -> (Segment, Bool) {
        var segment = Segment(baseOffset: base, directory: directory, createdMs: now)
        if let info = FileIO.fileInfo(segment.logPath) { segment.createdMs = info.modifiedMs }
        let offsetTail = try readIndexTail(segment.indexPath, entrySize: OffsetIndex.entrySize)
        let timeTail = try readIndexTail(segment.timeIndexPath, entrySize: TimeIndex.entrySize)
        return try files.withDescriptor(segment.logPath) { (fd) throws(StorageError) -> (Segment, Bool) in
            let logSize = try FileIO.size(fd, path: segment.logPath)
            var trusted: OffsetIndex.Entry?
            if let bytes = offsetTail.last {
                trusted = OffsetIndex.Entry(relativeOffset: bytes.bigEndian(at: 0), position: bytes.bigEndian(at: 4))
            }
            var scan = TailScan.indexMismatch
            if trusted.map({ Int64($0.position) < logSize && $0.relativeOffset > 0 }) ?? true {
                segment.persistedIndexCount = offsetTail.count
                segment.persistedTimeCount = timeTail.count
                if let bytes = timeTail.last {
                    let timestamp: Int64 = bytes.bigEndian(at: 0)
                    let relative: UInt32 = bytes.bigEndian(at: 8)
                    segment.maxTimestamp = timestamp
                    segment.offsetOfMaxTimestamp = base + Int64(relative)
                    segment.lastTimeEntryTimestamp = timestamp
                }
                scan = try scanTail(
                    &segment, fd: fd, logSize: logSize, from: trusted.map { (Int64($0.position), base + Int64($0.relativeOffset)) },
                    nextBase: nextBase, config: config)
                if segment.offsetOfMaxTimestamp >= segment.nextOffset { scan = .indexMismatch }
            }
            if case .indexMismatch = scan {
                logger.warning("index of segment \(base) does not match the log; rebuilding it")
                try FileIO.truncateIfExists(segment.indexPath)
                try FileIO.truncateIfExists(segment.timeIndexPath)
                segment = Segment(baseOffset: base, directory: directory, createdMs: segment.createdMs)
                scan = try scanTail(&segment, fd: fd, logSize: logSize, from: nil, nextBase: nextBase, config: config)
            }
            var cut = false
            if case .torn(let position, let reason) = scan {
                logger.warning("cutting a torn tail of segment \(base) at byte \(position) of \(logSize) (\(reason))")
                try FileIO.truncate(fd, to: position, path: segment.logPath)
                cut = true
            }
            if cut || !segment.pendingIndex.isEmpty || !segment.pendingTime.isEmpty {
                // Index entries reach the files only once the frames they point to are on disk.
                try FileIO.sync(fd, path: segment.logPath)
            }
            segment.flushedSize = segment.size
            segment.flushedNextOffset = segment.nextOffset
            try persistPendingIndexEntries(&segment)
            return (segment, cut)
        }
    }

    enum TailScan {
        case clean
        case torn(position: Int64, reason: String)
        /// The frame at the last index entry is not what the index says.
        case indexMismatch
    }

    /// CRC-checks frames from the trusted index entry (or the start) to the end,
    /// feeding them to the segment as appends would. A bad frame followed by a good
    /// one with the next offset, or ending an older segment exactly where the next
    /// one begins, is rot inside old data (kept; reads will refuse it). Anything
    /// else bad is a torn tail.
    private func scanTail(
        _ segment: inout Segment, fd: Int32, logSize: Int64, from trusted: (position: Int64, offset: Int64)?, nextBase: Int64?,
        config: LogConfig
    ) throws(StorageError) -> TailScan {
        let scanner = FrameScanner(fd: fd, path: segment.logPath, from: trusted?.position ?? 0, end: logSize)
        var expected = trusted?.offset ?? segment.baseOffset
        var first = true
        segment.size = trusted?.position ?? 0
        segment.nextOffset = expected
        var lookahead: FrameScanner.Step?
        while true {
            let step: FrameScanner.Step
            if let next = lookahead {
                step = next
                lookahead = nil
            } else {
                // The frame an index entry points to was fsynced before the entry was
                // written: its header is checked against the entry, its bytes are not
                // re-read. Everything after it is CRC-checked.
                step = try scanner.next(verify: !(first && trusted != nil))
            }
            switch step {
            case .end:
                return .clean
            case .invalid(let position, let reason):
                return first && trusted != nil ? .indexMismatch : .torn(position: position, reason: reason)
            case .frame(let header, let position, let checksumOK):
                guard header.baseOffset == expected else {
                    if first && trusted != nil { return .indexMismatch }
                    return .torn(position: position, reason: "frame has offset \(header.baseOffset), expected \(expected)")
                }
                if !checksumOK {
                    let next = try scanner.next(verify: true)
                    let endsSegment = nextBase == header.nextOffset && position + Int64(header.frameSize) == logSize
                    let followed: Bool
                    if case .frame(let after, _, true) = next, after.baseOffset == header.nextOffset {
                        followed = true
                    } else {
                        followed = false
                    }
                    guard followed || endsSegment else {
                        return first && trusted != nil
                            ? .indexMismatch : .torn(position: position, reason: "CRC mismatch in the last frame")
                    }
                    logger.error(
                        "CRC mismatch in \(segment.logPath) at byte \(position) (offsets \(header.baseOffset)…\(header.lastOffset)); kept, reads of it will fail"
                    )
                    if followed { lookahead = next }
                }
                segment.didAppend(header, at: position, interval: config.indexIntervalBytes)
                expected = header.nextOffset
                first = false
            }
        }
    }

    /// Entry count of an index file and its last entry; a partial entry at the end
    /// (a torn index write) is cut off.
    private func readIndexTail(_ path: String, entrySize: Int) throws(StorageError) -> (count: Int, last: [UInt8]?) {
        guard let info = FileIO.fileInfo(path) else { return (0, nil) }
        let whole = Int(info.size) / entrySize
        return try files.withDescriptor(path) { (fd) throws(StorageError) -> (Int, [UInt8]?) in
            if Int(info.size) != whole * entrySize {
                try FileIO.truncate(fd, to: Int64(whole * entrySize), path: path)
            }
            guard whole > 0 else { return (0, nil) }
            var bytes = [UInt8](repeating: 0, count: entrySize)
            let got = try bytes.withMutableBytes { (raw) throws(StorageError) -> Int in
                try FileIO.read(fd, into: raw.baseAddress!, count: entrySize, at: Int64((whole - 1) * entrySize), path: path)
            }
            return got == entrySize ? (whole, bytes) : (0, nil)
        }
    }

    /// segment.ms counts from the first batch of the active segment.
    func readRollingTimestamp(_ segment: inout Segment) throws(StorageError) {
        segment.rollingTimestampKnown = true
        guard !segment.isEmpty else { return }
        let path = segment.logPath
        let header = try files.withDescriptor(path) { (fd) throws(StorageError) -> FrameHeader? in
            var bytes = [UInt8](repeating: 0, count: FrameHeader.size)
            return try bytes.withMutableBytes { (raw) throws(StorageError) -> FrameHeader? in
                let got = try FileIO.read(fd, into: raw.baseAddress!, count: FrameHeader.size, at: 0, path: path)
                return got == FrameHeader.size ? FrameHeader.parse(UnsafeRawBufferPointer(raw), at: 0) : nil
            }
        }
        if let header, header.maxTimestamp >= 0 { segment.rollingTimestamp = header.maxTimestamp }
    }

    /// Rebuilds both indexes of a segment from its frames (headers only; CRCs are
    /// checked when data is served) and rewrites the files atomically. Entries for
    /// frames not yet fsynced stay pending.
    func rebuildIndexes(_ segment: inout Segment, interval: Int) throws(StorageError) {
        var rebuilt = Segment(baseOffset: segment.baseOffset, directory: directory, createdMs: segment.createdMs)
        let end = segment.size
        try files.withDescriptor(segment.logPath) { (fd) throws(StorageError) in
            let scanner = FrameScanner(fd: fd, path: segment.logPath, from: 0, end: end)
            while case .frame(let header, let position, _) = try scanner.next(verify: false) {
                rebuilt.didAppend(header, at: position, interval: interval)
            }
        }
        rebuilt.addTimeEntryIfGrown()
        let flushedSize = segment.flushedSize
        let flushedNext = segment.flushedNextOffset
        let persistedOffsets = rebuilt.pendingIndex.prefix { Int64($0.position) < flushedSize }
        let persistedTimes = rebuilt.pendingTime.prefix { rebuilt.baseOffset + Int64($0.relativeOffset) < flushedNext }
        files.forget(segment.indexPath)
        files.forget(segment.timeIndexPath)
        try FileIO.writeAtomically(OffsetIndex.encode(persistedOffsets), to: segment.indexPath)
        try FileIO.writeAtomically(TimeIndex.encode(persistedTimes), to: segment.timeIndexPath)
        var offsets = OffsetIndex()
        for entry in persistedOffsets { offsets.append(entry) }
        var times = TimeIndex()
        for entry in persistedTimes { times.append(entry) }
        segment.persistedIndex = offsets
        segment.persistedIndexCount = persistedOffsets.count
        segment.pendingIndex = Array(rebuilt.pendingIndex.dropFirst(persistedOffsets.count))
        segment.persistedTimeIndex = times
        segment.persistedTimeCount = persistedTimes.count
        segment.pendingTime = Array(rebuilt.pendingTime.dropFirst(persistedTimes.count))
        segment.lastTimeEntryTimestamp = max(segment.lastTimeEntryTimestamp, rebuilt.lastTimeEntryTimestamp)
        segment.bytesSinceIndexEntry = rebuilt.bytesSinceIndexEntry
    }

    /// Writes the pending index entries whose frames are within `flushedSize`.
    func persistPendingIndexEntries(_ segment: inout Segment) throws(StorageError) {
        let flushedEnd = segment.flushedSize
        let offsets = segment.pendingIndex.prefix { Int64($0.position) < flushedEnd }
        if !offsets.isEmpty {
            let bytes = OffsetIndex.encode(offsets)
            let path = segment.indexPath
            let at = Int64(segment.persistedIndexCount * OffsetIndex.entrySize)
            try files.withDescriptor(path, create: true) { (fd) throws(StorageError) in
                try bytes.withBytes { (raw) throws(StorageError) in try FileIO.write(fd, raw, at: at, path: path) }
            }
            for entry in offsets { segment.persistedIndex?.append(entry) }
            segment.persistedIndexCount += offsets.count
            segment.pendingIndex.removeFirst(offsets.count)
        }
        // A time entry points at a batch base; it is on disk if that batch is.
        let flushedOffsetEnd = segment.flushedNextOffset
        let times = segment.pendingTime.prefix { segment.baseOffset + Int64($0.relativeOffset) < flushedOffsetEnd }
        if !times.isEmpty {
            let bytes = TimeIndex.encode(times)
            let path = segment.timeIndexPath
            let at = Int64(segment.persistedTimeCount * TimeIndex.entrySize)
            try files.withDescriptor(path, create: true) { (fd) throws(StorageError) in
                try bytes.withBytes { (raw) throws(StorageError) in try FileIO.write(fd, raw, at: at, path: path) }
            }
            for entry in times { segment.persistedTimeIndex?.append(entry) }
            segment.persistedTimeCount += times.count
            segment.pendingTime.removeFirst(times.count)
        }
    }

    func deleteSegmentFiles(_ segment: Segment) throws(StorageError) {
        for path in [segment.logPath, segment.indexPath, segment.timeIndexPath] {
            files.forget(path)
            try FileIO.remove(path)
        }
    }

    static func readLogStartCheckpoint(_ directory: String, logger: Logger) -> Int64? {
        guard let bytes = try? FileIO.readAll(directory + "/" + logStartFile) else { return nil }
        guard let text = String(validating: bytes, as: UTF8.self), let value = Int64(text.trimmingWhitespace()) else {
            logger.warning("ignoring unreadable \(directory)/\(logStartFile)")
            return nil
        }
        return value
    }

    func writeLogStartCheckpoint(_ offset: Int64) throws(StorageError) {
        try FileIO.writeAtomically(Array("\(offset)\n".utf8), to: directory + "/" + Self.logStartFile)
    }
}

extension FileIO {
    static func truncateIfExists(_ path: String) throws(StorageError) {
        guard exists(path) else { return }
        let fd = try open(path, create: false)
        defer { close(fd) }
        try truncate(fd, to: 0, path: path)
    }
}
