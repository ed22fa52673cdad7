import EnvelopeCrypto

/// The steps of a segment rewrite at which a crash leaves a different set of files;
/// tests stop a rewrite at each one (`SegmentRewrite.stopAfter`) and reopen the log.
public enum SegmentRewriteStep: String, Sendable, CaseIterable {
    /// `<base>.log.rewrite.tmp` and its two index temps are written and fsynced.
    case temporaryFilesWritten
    /// The old segment's `.index` and `.timeindex` are deleted (the old log stays).
    case oldIndexesRemoved
    /// The new log has been renamed over the old one (no index files yet).
    case logReplaced
    /// The new index files are in place: the rewrite is complete.
    case indexesReplaced
}

/// Re-encryption of one closed segment, while the partition keeps serving.
///
/// The new segment is built beside the old one from the old one's frames: each frame's
/// CRC is checked, a sealed one opened (a frame that fails either stops the rewrite:
/// corruption is never re-sealed into data that looks sound), and each batch sealed
/// under a DEK newer than the ones being replaced, with the same offsets, so nothing
/// above the file changes. The swap keeps a crash harmless at every step:
///
/// 1. write `<base>.log.rewrite.tmp`, `.index.rewrite.tmp`, `.timeindex.rewrite.tmp`; fsync;
/// 2. delete the old `.index` and `.timeindex`; fsync the directory — the old log
///    without indexes is a valid segment (recovery rebuilds them);
/// 3. rename the new log over the old; fsync the directory — the new log without
///    indexes is a valid segment too;
/// 4. rename the new indexes into place; fsync the directory.
///
/// A crash leaves the old log or the new one, each whole and each with its own index or
/// none; start-up removes `*.tmp` files and rebuilds a missing index. Never a mix: the
/// old index is gone before the new log arrives. Steps 2–4 run under the partition's
/// lock; readers pin the file they planned to read under the same lock, so a fetch in
/// flight keeps reading the old file through its descriptor.
extension PartitionLog {
    /// What one rewrite did.
    enum RewriteOutcome: Equatable {
        case rewritten(bytesRead: Int64, bytesWritten: Int64)
        /// The segment went away (retention) or changed before the swap: nothing done.
        case skipped(String)
    }

    /// The closed segments (base offset, path) that are flushed: the ones a rewrite may take.
    func closedSegments() -> [(base: Int64, path: String)] {
        state.withLock { state in
            state.segments.dropLast().filter { $0.isFlushed && !$0.needsDirectorySync && !$0.isEmpty }.map { (base: $0.baseOffset, path: $0.logPath) }
        }
    }

    /// Rolls the active segment if it holds frames that `isStale` says must be rewritten,
    /// and flushes, so every such frame lies in a closed, fsynced segment. New appends get
    /// a new DEK (a sealer belongs to the segment it started in).
    func closeActiveSegmentForRewrite(now: Int64, isStale: ([UInt32?: Int]) -> Bool) throws(StorageError) {
        let active = state.withLock { $0.active.isEmpty ? nil : $0.active.logPath }
        if let active, isStale(try SegmentKeyUsage.frames(inSegment: active)) {
            try state.withLock { (state) throws(StorageError) in
                try checkServing(state)
                if !state.active.isEmpty && state.active.logPath == active { try roll(&state, now: now) }
            }
        }
        try flush()
    }

    /// Rewrites the closed segment at `base` with every frame sealed under fresh DEKs
    /// of the partition's scope. `pace` is called with the bytes read after each frame
    /// (the caller's rate limit sleeps there). `stopAfter` ends the rewrite right after
    /// that step as a crash would (tests only).
    func rewriteSegment(
        base: Int64, pace: (Int64) -> Void, stopAfter: SegmentRewriteStep? = nil
    ) throws(StorageError) -> RewriteOutcome {
        guard let crypto, crypto.encryption.sealNewBatches else {
            throw StorageError(.kafkaStorageError, "\(topicPartition): re-encryption needs encryption enabled")
        }
        let planned: (Segment, Int)? = state.withLock { state in
            guard state.failure == nil, let i = state.segments.firstIndex(where: { $0.baseOffset == base }), i < state.segments.count - 1,
                state.segments[i].isFlushed, !state.segments[i].needsDirectorySync
            else { return nil }
            return (state.segments[i], state.config.indexIntervalBytes)
        }
        guard let (old, interval) = planned else { return .skipped("segment \(base) is not a closed, flushed segment of \(topicPartition)") }
        let temp = (
            log: old.logPath + ".rewrite.tmp", index: old.indexPath + ".rewrite.tmp", time: old.timeIndexPath + ".rewrite.tmp"
        )
        // Temps left by a failure or a skip are removed (a completed swap renamed them all);
        // a stop at a step stands for a crash, so its files stay as a crash would leave them.
        var simulatedCrash = false
        defer {
            if !simulatedCrash {
                for path in [temp.log, temp.index, temp.time] where FileIO.exists(path) { try? FileIO.remove(path) }
            }
        }
        do throws(StorageError) {
            return try rewriteSegment(old, interval: interval, temp: temp, pace: pace, stopAfter: stopAfter, crypto: crypto)
        } catch {
            simulatedCrash = stopAfter != nil && error.message.hasSuffix("(test)")
            throw error
        }
    }

    private func rewriteSegment(
        _ old: Segment, interval: Int, temp: (log: String, index: String, time: String), pace: (Int64) -> Void,
        stopAfter: SegmentRewriteStep?, crypto: PartitionCrypto
    ) throws(StorageError) -> RewriteOutcome {
        let base = old.baseOffset
        let (rebuilt, bytesWritten) = try writeRewrittenSegment(old, to: temp.log, crypto: crypto, interval: interval, pace: pace)
        let offsets = OffsetIndex.encode(rebuilt.pendingIndex)
        let times = TimeIndex.encode(rebuilt.pendingTime)
        for (path, bytes) in [(temp.index, offsets), (temp.time, times)] {
            let fd = try FileIO.open(path, create: true)
            defer { FileIO.close(fd) }
            try FileIO.truncate(fd, to: 0, path: path)
            try bytes.withBytes { (raw) throws(StorageError) in try FileIO.write(fd, raw, at: 0, path: path) }
            try FileIO.sync(fd, path: path)
        }
        try stop(stopAfter, at: .temporaryFilesWritten)

        return try state.withLock { (state) throws(StorageError) -> RewriteOutcome in
            guard state.failure == nil, let i = state.segments.firstIndex(where: { $0.baseOffset == base }), i < state.segments.count - 1,
                state.segments[i].size == old.size, state.segments[i].nextOffset == old.nextOffset
            else { return .skipped("segment \(base) of \(topicPartition) changed during its rewrite") }
            do throws(StorageError) {
                for path in [old.indexPath, old.timeIndexPath] {
                    files.forget(path)
                    if FileIO.exists(path) { try FileIO.remove(path) }
                }
                try FileIO.syncDirectory(directory)
                try stop(stopAfter, at: .oldIndexesRemoved)
                try FileIO.rename(temp.log, to: old.logPath)
                // Readers that pinned the old file keep it; everyone else opens the new one.
                files.forget(old.logPath)
                try FileIO.syncDirectory(directory)
                try stop(stopAfter, at: .logReplaced)
                try FileIO.rename(temp.index, to: old.indexPath)
                try FileIO.rename(temp.time, to: old.timeIndexPath)
                try FileIO.syncDirectory(directory)
            } catch {
                // Half-swapped: the files on disk are consistent (recovery rebuilds the missing
                // indexes) but this process's view of them may not be. Stop serving until restart.
                if stopAfter == nil {
                    logger.critical("segment \(base) swap failed: \(error.message); partition offline until restart")
                    state.failure = StorageError(.kafkaStorageError, "\(topicPartition) is offline after a failed segment rewrite")
                }
                throw error
            }

            var segment = state.segments[i]
            segment.size = rebuilt.size
            segment.flushedSize = rebuilt.size
            var offsetIndex = OffsetIndex()
            for entry in rebuilt.pendingIndex { offsetIndex.append(entry) }
            var timeIndex = TimeIndex()
            for entry in rebuilt.pendingTime { timeIndex.append(entry) }
            segment.persistedIndex = offsetIndex
            segment.persistedIndexCount = rebuilt.pendingIndex.count
            segment.pendingIndex = []
            segment.persistedTimeIndex = timeIndex
            segment.persistedTimeCount = rebuilt.pendingTime.count
            segment.pendingTime = []
            segment.lastTimeEntryTimestamp = rebuilt.lastTimeEntryTimestamp
            segment.bytesSinceIndexEntry = rebuilt.bytesSinceIndexEntry
            state.segments[i] = segment
            logger.info("re-encrypted segment \(base): \(old.size) bytes → \(rebuilt.size) bytes")
            try stop(stopAfter, at: .indexesReplaced)
            return .rewritten(bytesRead: old.size, bytesWritten: bytesWritten)
        }
    }

    private func stop(_ stopAfter: SegmentRewriteStep?, at step: SegmentRewriteStep) throws(StorageError) {
        if stopAfter == step { throw StorageError(.kafkaStorageError, "segment rewrite stopped after \(step.rawValue) (test)") }
    }

    /// Writes the rewritten frames of `old` to `path` (fsynced) and returns the segment
    /// they describe (its index entries all pending) and the bytes written.
    private func writeRewrittenSegment(
        _ old: Segment, to path: String, crypto: PartitionCrypto, interval: Int, pace: (Int64) -> Void
    ) throws(StorageError) -> (Segment, Int64) {
        let source = try FileIO.open(old.logPath, create: false)
        defer { FileIO.close(source) }
        let target = try FileIO.open(path, create: true)
        defer { FileIO.close(target) }
        try FileIO.truncate(target, to: 0, path: path)

        var rebuilt = Segment(baseOffset: old.baseOffset, directory: directory, createdMs: old.createdMs)
        var frame = [UInt8](repeating: 0, count: 64 << 10)
        var output: [UInt8] = []
        output.reserveCapacity(1 << 20)
        var written: Int64 = 0
        var position: Int64 = 0
        var sealer: BatchSealer?
        while position < old.size {
            // Header first, then the whole frame (frames are at most max.message.bytes + 80).
            let got = try frame.withMutableBytes { (raw) throws(StorageError) -> Int in
                try FileIO.read(source, into: raw.baseAddress!, count: FrameHeader.size, at: position, path: old.logPath)
            }
            guard got == FrameHeader.size, let header = frame.withUnsafeBytes({ FrameHeader.parse($0, at: 0) }),
                position + Int64(header.frameSize) <= old.size
            else { throw corruption(old.logPath, position: position, detail: "no valid frame where a rewrite expected one") }
            if frame.count < header.frameSize { frame = [UInt8](repeating: 0, count: header.frameSize) }
            let size = header.frameSize
            let sealed = try frame.withMutableBytes { (raw) throws(StorageError) -> (FrameHeader, [UInt8]) in
                let all = UnsafeMutableRawBufferPointer(rebasing: raw[0..<size])
                let count = try FileIO.read(source, into: all.baseAddress!, count: size, at: position, path: old.logPath)
                guard count == size, FrameHeader.checksumMatches(UnsafeRawBufferPointer(all), at: 0, header: header) else {
                    throw corruption(
                        old.logPath, position: position, detail: "CRC mismatch in offsets \(header.baseOffset)…\(header.lastOffset); not re-encrypted")
                }
                let body: (start: Int, count: Int)
                switch FrameHeader.Format(rawValue: header.format) {
                case .plain: body = (FrameHeader.size, Int(header.wireLength))
                case .sealed:
                    body = try openSealed(header, raw: all, frameStart: 0, segmentBase: old.baseOffset, path: old.logPath, position: position)
                case nil: throw corruption(old.logPath, position: position, detail: "unknown frame format \(header.format)")
                }
                if sealer == nil || sealer!.isRetired {
                    do throws(EnvelopeError) {
                        sealer = try crypto.encryption.keyring.newSealer(for: crypto.scope, maxBatches: crypto.encryption.maxBatchesPerKey)
                    } catch {
                        throw StorageError(.kafkaStorageError, "\(topicPartition): cannot get a data key: \(error.message)")
                    }
                }
                var newHeader = header
                newHeader.format = FrameHeader.Format.sealed.rawValue
                newHeader.frameLength = UInt32(FrameHeader.headerAfterLength + SealedEnvelope.overhead + body.count)
                var envelope = [UInt8](repeating: 0, count: body.count + SealedEnvelope.overhead)
                let plain = UnsafeRawBufferPointer(rebasing: all[body.start..<(body.start + body.count)])
                let failure = envelope.withUnsafeMutableBytes { out in
                    crypto.withAssociatedData(segmentBase: old.baseOffset, header: newHeader) { ad -> EnvelopeError? in
                        do throws(EnvelopeError) {
                            try sealer!.seal(plain, associatedData: ad, into: out)
                            return nil
                        } catch {
                            return error
                        }
                    }
                }
                if let failure { throw StorageError(.kafkaStorageError, "\(topicPartition): cannot seal a batch: \(failure.message)") }
                let crc = envelope.withUnsafeBytes { Self.frameChecksum(newHeader, body: $0) }
                newHeader.crc = crc
                return (newHeader, envelope)
            }
            let (newHeader, envelope) = sealed
            let newPosition = written + Int64(output.count)
            guard newPosition + Int64(newHeader.frameSize) <= Int64(UInt32.max) else {
                throw StorageError(.kafkaStorageError, "\(topicPartition): segment \(old.baseOffset) would outgrow 4 GiB sealed")
            }
            var headerBytes = [UInt8](repeating: 0, count: FrameHeader.size)
            headerBytes.withUnsafeMutableBytes { newHeader.encode(into: $0) }
            output += headerBytes
            output += envelope
            rebuilt.didAppend(newHeader, at: newPosition, interval: interval)
            if output.count >= 1 << 20 {
                try output.withBytes { (raw) throws(StorageError) in try FileIO.write(target, raw, at: written, path: path) }
                written += Int64(output.count)
                output.removeAll(keepingCapacity: true)
            }
            position += Int64(size)
            pace(Int64(size))
        }
        try output.withBytes { (raw) throws(StorageError) in try FileIO.write(target, raw, at: written, path: path) }
        written += Int64(output.count)
        try FileIO.sync(target, path: path)
        rebuilt.addTimeEntryIfGrown()
        return (rebuilt, written)
    }
}
