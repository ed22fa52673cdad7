import KafkaWire
import NIOCore

extension PartitionLog {
    /// Where a read goes, decided under the lock; the I/O happens after it.
    struct ReadPlan {
        var path: String
        var start: Int64
        var end: Int64
        var highWatermark: Int64
        var logStartOffset: Int64
        /// The segment's base offset (bound into a sealed frame's associated data).
        var segmentBase: Int64
        /// The segment file, pinned under the lock (see `FileHandleCache.Lease`).
        var lease: FileHandleCache.Lease? = nil
    }

    /// A test seam: called after a read is planned and the lock released, before any
    /// I/O — where a concurrent segment swap would hurt a reader that had not pinned its file.
    nonisolated(unsafe) static var afterReadPlanned: (@Sendable (PartitionLog) -> Void)?

    /// Runs `body` with the plan's pinned descriptor (or the path's, when none was pinned).
    func withDescriptor<R>(of plan: ReadPlan, _ body: (Int32) throws(StorageError) -> R) throws(StorageError) -> R {
        if let lease = plan.lease { return try body(lease.fd) }
        return try files.withDescriptor(plan.path, body)
    }

    /// Pins the plan's segment file while the partition lock is held, so a segment
    /// rewrite (re-encryption) swapping the file cannot hand this reader the new file
    /// with the old file's positions.
    func pinned(_ plan: ReadPlan) throws(StorageError) -> ReadPlan {
        var plan = plan
        plan.lease = try files.lease(plan.path)
        return plan
    }

    /// Whole batches from the one containing `offset`, up to `maxBytes` of wire bytes,
    /// but at least one batch if there is any (KIP-74). Every frame served is
    /// CRC-checked first: a corrupt one is an error, never data.
    public func read(from offset: Int64, maxBytes: Int) throws(StorageError) -> ReadResult {
        let plan = try state.withLock { (state) throws(StorageError) -> ReadPlan in
            try checkServing(state)
            let end = state.logEndOffset
            guard offset >= state.logStartOffset, offset <= end else {
                throw StorageError(
                    .offsetOutOfRange,
                    "\(topicPartition): offset \(offset) is outside \(state.logStartOffset)…\(end)")
            }
            let i = state.segmentIndex(containing: offset)
            let interval = state.config.indexIntervalBytes
            try loadIndexesIfNeeded(&state.segments[i], interval: interval)
            let segment = state.segments[i]
            let start = offset == end ? segment.size : segment.indexLookup(offset).position
            let plan = ReadPlan(
                path: segment.logPath, start: start, end: segment.size, highWatermark: end, logStartOffset: state.logStartOffset,
                segmentBase: segment.baseOffset)
            return start < segment.size ? try pinned(plan) : plan
        }
        defer { if let lease = plan.lease { files.release(lease) } }
        Self.afterReadPlanned?(self)
        var records = ByteBuffer()
        if plan.start < plan.end {
            do {
                records = try readBatches(plan, from: offset, maxBytes: maxBytes)
            } catch where error.errorCode == .kafkaStorageError && !FileIO.exists(plan.path) {
                // Retention deleted the segment between planning and reading.
                throw StorageError(.offsetOutOfRange, "\(topicPartition): offset \(offset) was just deleted")
            }
        }
        return ReadResult(records: records, highWatermark: plan.highWatermark, logStartOffset: plan.logStartOffset)
    }

    private func readBatches(_ plan: ReadPlan, from offset: Int64, maxBytes: Int) throws(StorageError) -> ByteBuffer {
        try withDescriptor(of: plan) { (fd) throws(StorageError) -> ByteBuffer in
            // Find the frame holding `offset`: at most an index interval of headers away.
            let scanner = FrameScanner(fd: fd, path: plan.path, from: plan.start, end: plan.end, chunkSize: 16 << 10)
            var first: (header: FrameHeader, position: Int64)?
            while first == nil {
                switch try scanner.next(verify: false) {
                case .frame(let header, let position, _):
                    if header.lastOffset >= offset { first = (header, position) }
                case .invalid(let position, let reason):
                    throw corruption(plan.path, position: position, detail: reason)
                case .end:
                    return ByteBuffer()
                }
            }
            let (header, position) = first!
            // Frames add 48 bytes per batch to the wire size: read with room for the
            // headers of as many batches as the first one's size suggests.
            let frames = maxBytes / max(Int(header.wireLength), RecordBatchHeader.size) + 1
            let budget = Int64(max(header.frameSize, maxBytes + frames * FrameHeader.size))
            let length = Int(min(plan.end - position, budget))
            return try readFrames(fd: fd, path: plan.path, at: position, length: length, maxBytes: maxBytes, segmentBase: plan.segmentBase)
        }
    }

    /// Reads `length` file bytes of frames into a buffer and turns them into wire
    /// bytes in place: each frame is checked, opened, and its body moved down over
    /// the headers before it.
    private func readFrames(
        fd: Int32, path: String, at position: Int64, length: Int, maxBytes: Int, segmentBase: Int64
    ) throws(StorageError) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: length)
        var firstBody = 0
        try buffer.write(count: length) { (raw) throws(StorageError) -> Int in
            let got = try FileIO.read(fd, into: raw.baseAddress!, count: length, at: position, path: path)
            guard got == length else {
                throw StorageError(.kafkaStorageError, "read \(path): \(got) of \(length) bytes at \(position)")
            }
            // The first body stays where it is (the buffer starts after its header);
            // later bodies move down to follow it.
            var source = 0
            var target = FrameHeader.size
            var served = 0
            while let header = FrameHeader.parse(UnsafeRawBufferPointer(raw), at: source), source + header.frameSize <= got {
                if served > 0 && served + Int(header.wireLength) > maxBytes { break }
                guard FrameHeader.checksumMatches(UnsafeRawBufferPointer(raw), at: source, header: header) else {
                    if served > 0 { break }  // serve what precedes it; the next fetch gets the error
                    throw corruption(
                        path, position: position + Int64(source),
                        detail: "CRC mismatch in the frame of offsets \(header.baseOffset)…\(header.lastOffset)")
                }
                let body: (start: Int, count: Int)
                do throws(StorageError) {
                    body = try openBody(header, raw: raw, frameStart: source, segmentBase: segmentBase, path: path, position: position)
                } catch {
                    if served > 0 { break }  // serve what precedes it; the next fetch gets the error
                    throw error
                }
                if served == 0 {
                    firstBody = body.start
                    target = body.start
                } else if body.start != target {
                    (raw.baseAddress! + target).copyMemory(from: raw.baseAddress! + body.start, byteCount: body.count)
                }
                target += body.count
                served += body.count
                source += header.frameSize
            }
            if served == 0 {
                throw corruption(path, position: position, detail: "no valid frame where the index points")
            }
            return target
        }
        buffer.moveReaderIndex(forwardBy: firstBody)
        return buffer
    }

    /// Where the wire batch of a frame is, after opening it. Plain frames hold it as
    /// is; sealed frames are decrypted in place (`openSealed`).
    private func openBody(
        _ header: FrameHeader, raw: UnsafeMutableRawBufferPointer, frameStart: Int, segmentBase: Int64, path: String, position: Int64
    ) throws(StorageError) -> (start: Int, count: Int) {
        switch FrameHeader.Format(rawValue: header.format) {
        case .plain:
            return (frameStart + FrameHeader.size, Int(header.wireLength))
        case .sealed:
            return try openSealed(header, raw: raw, frameStart: frameStart, segmentBase: segmentBase, path: path, position: position)
        case nil:
            throw corruption(path, position: position + Int64(frameStart), detail: "unknown frame format \(header.format)")
        }
    }

    /// Logs a corrupt range loudly and returns the error the fetch answers with.
    func corruption(_ path: String, position: Int64, detail: String) -> StorageError {
        logger.error("corrupt data in \(path) at byte \(position): \(detail); serving KAFKA_STORAGE_ERROR for this range")
        return StorageError(.kafkaStorageError, "\(topicPartition): corrupt data at \(path):\(position): \(detail)")
    }

    /// Loads a segment's persisted index files on first use; a corrupt or missing
    /// one is rebuilt from the segment (and rewritten).
    func loadIndexesIfNeeded(_ segment: inout Segment, interval: Int) throws(StorageError) {
        guard segment.persistedIndex == nil || segment.persistedTimeIndex == nil else { return }
        let offsetBytes = try FileIO.readAll(segment.indexPath) ?? []
        let timeBytes = try FileIO.readAll(segment.timeIndexPath) ?? []
        let offsetEntries = offsetBytes.count / OffsetIndex.entrySize
        let timeEntries = timeBytes.count / TimeIndex.entrySize
        if offsetEntries == segment.persistedIndexCount, timeEntries == segment.persistedTimeCount,
            let offsets = OffsetIndex.decode(Array(offsetBytes.prefix(offsetEntries * OffsetIndex.entrySize)), logSize: segment.size),
            let times = TimeIndex.decode(
                Array(timeBytes.prefix(timeEntries * TimeIndex.entrySize)), relativeEnd: segment.nextOffset - segment.baseOffset)
        {
            segment.persistedIndex = offsets
            segment.persistedTimeIndex = times
            return
        }
        logger.warning("index of segment \(segment.baseOffset) is corrupt or missing; rebuilding it")
        try rebuildIndexes(&segment, interval: interval)
    }
}
