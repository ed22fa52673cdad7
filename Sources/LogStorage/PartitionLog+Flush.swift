extension PartitionLog {
    /// What one flush covers, taken under the lock.
    struct FlushTicket {
        struct Target {
            var path: String
            var baseOffset: Int64
            var size: Int64
            var nextOffset: Int64
            var syncDirectory: Bool
        }
        var targets: [Target]
        var end: Int64
    }

    /// fsyncs every segment holding unflushed bytes, then writes the index entries
    /// those bytes cover and releases the durability waiters they satisfy.
    func flush() throws(StorageError) {
        guard let ticket = beginFlush() else { return }
        try finishFlush(ticket)
    }

    /// First half of a flush: notes what is unflushed now and starts its writeback
    /// (the flusher does this for every partition of a round before any fsync).
    func beginFlush() -> FlushTicket? {
        let ticket: FlushTicket? = state.withLock { state in
            guard state.failure == nil else { return nil }
            state.unflushedMessages = 0
            state.unflushedSince = nil
            let targets = state.segments.filter { !$0.isFlushed || $0.needsDirectorySync }.map {
                FlushTicket.Target(
                    path: $0.logPath, baseOffset: $0.baseOffset, size: $0.size, nextOffset: $0.nextOffset,
                    syncDirectory: $0.needsDirectorySync)
            }
            return FlushTicket(targets: targets, end: state.logEndOffset)
        }
        guard let ticket else { return nil }
        for target in ticket.targets {
            try? files.withDescriptor(target.path) { (fd) throws(StorageError) in FileIO.startWriteback(fd) }
        }
        return ticket
    }

    /// Second half: the fsyncs (without the lock, so appends and reads go on), then
    /// the bookkeeping under it.
    func finishFlush(_ ticket: FlushTicket) throws(StorageError) {
        var synced: [FlushTicket.Target] = []
        do throws(StorageError) {
            for target in ticket.targets {
                do throws(StorageError) {
                    try files.withDescriptor(target.path) { (fd) throws(StorageError) in try FileIO.sync(fd, path: target.path) }
                    synced.append(target)
                } catch where !FileIO.exists(target.path) {
                    continue  // deleted by retention meanwhile: nothing left to make durable
                }
            }
            if ticket.targets.contains(where: \.syncDirectory) { try FileIO.syncDirectory(directory) }
        } catch {
            // After a failed fsync the page cache may have dropped the data (Linux
            // marks the pages clean): the only safe answer is to stop serving.
            logger.critical("fsync failed: \(error.message); partition offline")
            shutDown(StorageError(.kafkaStorageError, "\(topicPartition) is offline after a failed fsync: \(error.message)"))
            throw error
        }
        let result: Result<[DurableWaiter], StorageError> = state.withLock { state in
            do throws(StorageError) {
                for target in synced {
                    guard let i = state.segments.firstIndex(where: { $0.baseOffset == target.baseOffset }) else { continue }
                    state.segments[i].flushedSize = max(state.segments[i].flushedSize, target.size)
                    state.segments[i].flushedNextOffset = max(state.segments[i].flushedNextOffset, target.nextOffset)
                    if target.syncDirectory { state.segments[i].needsDirectorySync = false }
                    try persistPendingIndexEntries(&state.segments[i])
                }
            } catch {
                return .failure(error)
            }
            state.durableOffset = max(state.durableOffset, ticket.end)
            let durable = state.durableOffset
            let ready = state.durableWaiters.filter { $0.offset < durable }
            state.durableWaiters.removeAll { $0.offset < durable }
            return .success(ready)
        }
        switch result {
        case .success(let ready):
            for waiter in ready { waiter.continuation.resume() }
        case .failure(let error):
            logger.critical("writing index entries failed: \(error.message); partition offline")
            shutDown(error)
            throw error
        }
    }

    /// Whether anything awaits an fsync (for flushAll and the flush.ms timer).
    var hasUnflushedData: Bool {
        state.withLock { state in state.segments.contains { !$0.isFlushed || $0.needsDirectorySync } }
    }

    /// Flushes, writes the producer snapshot, and stops serving.
    func close() {
        do {
            try flush()
            try state.withLock { (state) throws(StorageError) in
                if state.failure == nil { try writeProducerSnapshotIfDirty(&state) }
            }
        } catch {
            logger.error("closing with an error: \(error.message)")
        }
        shutDown(StorageError(.unknownTopicOrPartition, "\(topicPartition) is closed"))
    }
}
