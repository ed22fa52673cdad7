extension PartitionLog {
    /// Rolls by segment.ms, then deletes whole segments past retention.ms,
    /// retention.bytes or below the log start offset (Kafka's three rules, in its
    /// order). Returns the number of segments deleted.
    func enforceRetention(now: Int64) throws(StorageError) -> Int {
        let doomed = try state.withLock { (state) throws(StorageError) -> [Segment] in
            guard state.failure == nil else { return [] }
            let config = state.config
            if try shouldRollByTime(&state, config: config, now: now) { try roll(&state, now: now) }
            var count = 0
            if config.retentionMs >= 0 {
                while count < state.segments.count,
                    !state.segments[count].isEmpty,
                    now - state.segments[count].retentionTimestamp() > config.retentionMs
                {
                    count += 1
                }
                // Everything expired, the active segment too: roll so it can go (as Kafka does).
                if count == state.segments.count {
                    try roll(&state, now: now)
                }
            }
            if config.retentionBytes >= 0 {
                var excess = state.totalBytes - config.retentionBytes
                excess -= state.segments.prefix(count).reduce(0) { $0 + $1.size }
                while count < state.segments.count - 1, excess - state.segments[count].size >= 0 {
                    excess -= state.segments[count].size
                    count += 1
                }
            }
            while count < state.segments.count - 1, state.segments[count + 1].baseOffset <= state.logStartOffset {
                count += 1
            }
            return removeSegments(count, state: &state)
        }
        try deleteFiles(of: doomed)
        return doomed.count
    }

    /// DeleteRecords: moves the log start offset to `offset` (-1: the high
    /// watermark) and deletes the segments wholly below it. Returns the new start.
    public func deleteRecords(before offset: Int64) throws(StorageError) -> Int64 {
        let (start, doomed) = try state.withLock { (state) throws(StorageError) -> (Int64, [Segment]) in
            try checkServing(state)
            let end = state.logEndOffset
            let target = offset == -1 ? end : offset
            guard target >= 0, target <= end else {
                throw StorageError(.offsetOutOfRange, "\(topicPartition): cannot delete before \(offset); the log ends at \(end)")
            }
            guard target > state.logStartOffset else { return (state.logStartOffset, []) }
            try writeLogStartCheckpoint(target)
            state.logStartOffset = target
            var count = 0
            while count < state.segments.count - 1, state.segments[count + 1].baseOffset <= target { count += 1 }
            return (target, removeSegments(count, state: &state))
        }
        try deleteFiles(of: doomed)
        return start
    }

    /// Takes the `count` oldest segments out of the state (never the active one).
    private func removeSegments(_ count: Int, state: inout PartitionState) -> [Segment] {
        let count = min(count, state.segments.count - 1)
        guard count > 0 else { return [] }
        let doomed = Array(state.segments.prefix(count))
        state.segments.removeFirst(count)
        state.logStartOffset = max(state.logStartOffset, state.segments[0].baseOffset)
        return doomed
    }

    /// Oldest first, log before indexes: a crash part-way leaves a contiguous log.
    private func deleteFiles(of segments: [Segment]) throws(StorageError) {
        for segment in segments {
            logger.info("deleting segment \(segment.baseOffset) (\(segment.size) bytes, offsets \(segment.baseOffset)…\(segment.nextOffset - 1))")
            try deleteSegmentFiles(segment)
        }
        if !segments.isEmpty { try FileIO.syncDirectory(directory) }
    }
}
