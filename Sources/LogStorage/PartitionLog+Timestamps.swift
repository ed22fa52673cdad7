import KafkaWire
import NIOCore

extension PartitionLog {
    /// ListOffsets by timestamp: the first offset at or after the log start whose
    /// record timestamp is ≥ `ts`, with that timestamp; nil if there is none.
    public func offset(forTimestamp ts: Int64) throws(StorageError) -> (offset: Int64, timestamp: Int64)? {
        // One candidate segment at a time: the first whose largest timestamp reaches
        // `ts` almost always holds the answer, so later indexes stay unloaded.
        var after = Int64.min
        while true {
            let candidate = try state.withLock { (state) throws(StorageError) -> (ReadPlan, Int64)? in
                try checkServing(state)
                let first = state.segmentIndex(containing: state.logStartOffset)
                guard
                    let i = state.segments.indices.dropFirst(first).first(where: {
                        state.segments[$0].baseOffset > after && state.segments[$0].maxTimestamp >= ts && !state.segments[$0].isEmpty
                    })
                else { return nil }
                let interval = state.config.indexIntervalBytes
                try loadIndexesIfNeeded(&state.segments[i], interval: interval)
                let segment = state.segments[i]
                let from = max(segment.timeLookup(ts), state.logStartOffset)
                let plan = ReadPlan(
                    path: segment.logPath, start: segment.indexLookup(from).position, end: segment.size,
                    highWatermark: state.logEndOffset, logStartOffset: state.logStartOffset, segmentBase: segment.baseOffset)
                return (try pinned(plan), segment.baseOffset)
            }
            guard let (plan, base) = candidate else { return nil }
            defer { if let lease = plan.lease { files.release(lease) } }
            if let found = try findRecord(
                in: plan, minimumOffset: plan.logStartOffset, where: { $0 >= ts }, batchQualifies: { $0.maxTimestamp >= ts })
            {
                return found
            }
            after = base
        }
    }

    /// ListOffsets MAX_TIMESTAMP: the largest timestamp and the offset of the first
    /// record carrying it; nil if the log is empty.
    public func maxTimestamp() throws(StorageError) -> (offset: Int64, timestamp: Int64)? {
        let plan = try state.withLock { (state) throws(StorageError) -> (ReadPlan, batch: Int64, timestamp: Int64)? in
            try checkServing(state)
            guard state.logEndOffset > state.logStartOffset else { return nil }
            var best: Int?
            for i in state.segments.indices where state.segments[i].nextOffset > state.logStartOffset && !state.segments[i].isEmpty {
                if best == nil || state.segments[i].maxTimestamp > state.segments[best!].maxTimestamp { best = i }
            }
            guard let best else { return nil }
            let interval = state.config.indexIntervalBytes
            try loadIndexesIfNeeded(&state.segments[best], interval: interval)
            let segment = state.segments[best]
            let batch = max(segment.offsetOfMaxTimestamp, segment.baseOffset)
            let plan = ReadPlan(
                path: segment.logPath, start: segment.indexLookup(batch).position, end: segment.size,
                highWatermark: state.logEndOffset, logStartOffset: state.logStartOffset, segmentBase: segment.baseOffset)
            return (try pinned(plan), batch, segment.maxTimestamp)
        }
        guard let (readPlan, batch, timestamp) = plan else { return nil }
        defer { if let lease = readPlan.lease { files.release(lease) } }
        let found = try findRecord(
            in: readPlan, minimumOffset: batch, where: { $0 == timestamp }, batchQualifies: { $0.baseOffset >= batch && $0.maxTimestamp == timestamp })
        return found ?? (batch, timestamp)
    }

    /// Scans frame headers from `plan.start`; in the first batch that qualifies,
    /// returns the first record at or past `minimumOffset` whose timestamp matches.
    private func findRecord(
        in plan: ReadPlan, minimumOffset: Int64, where matches: (Int64) -> Bool, batchQualifies: (FrameHeader) -> Bool
    ) throws(StorageError) -> (offset: Int64, timestamp: Int64)? {
        try withDescriptor(of: plan) { (fd) throws(StorageError) -> (offset: Int64, timestamp: Int64)? in
            let scanner = FrameScanner(fd: fd, path: plan.path, from: plan.start, end: plan.end)
            while true {
                switch try scanner.next(verify: true) {
                case .end:
                    return nil
                case .invalid(let position, let reason):
                    throw corruption(plan.path, position: position, detail: reason)
                case .frame(let header, let position, let checksumOK):
                    guard header.lastOffset >= minimumOffset, batchQualifies(header) else { continue }
                    guard checksumOK else {
                        throw corruption(plan.path, position: position, detail: "CRC mismatch in offsets \(header.baseOffset)…\(header.lastOffset)")
                    }
                    let batch = try readBatch(fd: fd, path: plan.path, header: header, at: position, segmentBase: plan.segmentBase)
                    if let found = try firstRecord(in: batch, minimumOffset: minimumOffset, where: matches) { return found }
                }
            }
        }
    }

    private func readBatch(fd: Int32, path: String, header: FrameHeader, at position: Int64, segmentBase: Int64) throws(StorageError) -> RecordBatch {
        var buffer = ByteBufferAllocator().buffer(capacity: header.frameSize)
        var bodyStart = FrameHeader.size
        switch FrameHeader.Format(rawValue: header.format) {
        case .plain:
            let count = Int(header.wireLength)
            try buffer.write(count: count) { (raw) throws(StorageError) -> Int in
                let got = try FileIO.read(fd, into: raw.baseAddress!, count: count, at: position + Int64(FrameHeader.size), path: path)
                guard got == count else { throw corruption(path, position: position, detail: "batch cut short") }
                return got
            }
        case .sealed:
            // The whole frame, opened in place (its header is part of the associated data).
            let count = header.frameSize
            try buffer.write(count: count) { (raw) throws(StorageError) -> Int in
                let got = try FileIO.read(fd, into: raw.baseAddress!, count: count, at: position, path: path)
                guard got == count else { throw corruption(path, position: position, detail: "batch cut short") }
                bodyStart = try openSealed(header, raw: raw, frameStart: 0, segmentBase: segmentBase, path: path, position: position).start
                return got
            }
            buffer.moveReaderIndex(forwardBy: bodyStart)
            buffer.moveWriterIndex(to: bodyStart + Int(header.wireLength))
        case nil:
            throw corruption(path, position: position, detail: "unknown frame format \(header.format)")
        }
        do {
            return try RecordBatch(bytes: buffer)
        } catch {
            throw corruption(path, position: position, detail: error.message)
        }
    }

    private func firstRecord(
        in batch: RecordBatch, minimumOffset: Int64, where matches: (Int64) -> Bool
    ) throws(StorageError) -> (offset: Int64, timestamp: Int64)? {
        let header = batch.header
        if header.timestampType == .logAppendTime {
            // Every record of a LogAppendTime batch carries the batch's timestamp.
            guard matches(header.maxTimestamp) else { return nil }
            return (max(header.baseOffset, minimumOffset), header.maxTimestamp)
        }
        do {
            var records = try batch.makeRecordIterator(maxUncompressedBytes: 256 << 20)
            while let record = try records.next() {
                let offset = header.offset(of: record)
                let timestamp = header.timestamp(of: record)
                if offset >= minimumOffset && matches(timestamp) { return (offset, timestamp) }
            }
        } catch {
            throw StorageError(.corruptMessage, "\(topicPartition): batch at offset \(header.baseOffset): \(error.message)")
        }
        return nil
    }
}
