extension LogManager {
    /// Creates a topic: validates its name, partition count and config, creates the
    /// partition directories, then persists the metadata atomically (the topic
    /// exists once that file does).
    public func createTopic(_ name: String, partitions: Int32, overrides: [String: String]) throws(StorageError) {
        try TopicMetadata.validate(name: name)
        guard partitions > 0 else {
            throw StorageError(.invalidPartitions, "number of partitions must be at least 1, got \(partitions)")
        }
        let config = try validated(overrides)
        try adminLock.withLock { (_) throws(StorageError) in
            try checkOpen()
            guard state.withLock({ $0.topics[name] }) == nil else {
                throw StorageError(.topicAlreadyExists, "topic \(name) already exists")
            }
            let logs = try createPartitionLogs(name, range: 0..<partitions, config: config)
            do throws(StorageError) {
                try writeMetadata(TopicMetadata(name: name, partitions: partitions, overrides: overrides))
            } catch {
                for log in logs { removePartitionDirectory(log) }
                throw error
            }
            state.withLock { $0.topics[name] = TopicEntry(overrides: overrides, config: config, partitions: logs) }
            logger.info("created topic \(name) with \(partitions) partitions")
        }
    }

    /// Deletes a topic: its partitions stop serving at once; the directories are
    /// renamed (so a crash part-way is finished at the next start), the metadata
    /// removed, then the data.
    public func deleteTopic(_ name: String) throws(StorageError) {
        try adminLock.withLock { (_) throws(StorageError) in
            try checkOpen()
            guard let entry = state.withLock({ $0.topics.removeValue(forKey: name) }) else {
                throw StorageError(.unknownTopicOrPartition, "topic \(name) does not exist")
            }
            for log in entry.partitions {
                log.shutDown(StorageError(.unknownTopicOrPartition, "topic \(name) was deleted"))
            }
            var renamed: [String] = []
            for log in entry.partitions {
                let doomed = log.directory + ".deleted"
                if FileIO.exists(doomed) { try FileIO.removeTree(doomed) }
                if FileIO.exists(log.directory) {
                    try FileIO.rename(log.directory, to: doomed)
                    renamed.append(doomed)
                }
            }
            try FileIO.syncDirectory(topicsDirectory)
            try FileIO.remove(metaDirectory + "/" + name + ".json")
            try FileIO.syncDirectory(metaDirectory)
            for path in renamed { try FileIO.removeTree(path) }
            logger.info("deleted topic \(name)")
        }
    }

    /// Grows a topic to `totalCount` partitions (Kafka cannot shrink one).
    public func createPartitions(_ name: String, totalCount: Int32) throws(StorageError) {
        try adminLock.withLock { (_) throws(StorageError) in
            try checkOpen()
            guard let entry = state.withLock({ $0.topics[name] }) else {
                throw StorageError(.unknownTopicOrPartition, "topic \(name) does not exist")
            }
            let current = Int32(entry.partitions.count)
            guard totalCount > current else {
                throw StorageError(.invalidPartitions, "topic \(name) has \(current) partitions; the new count \(totalCount) must be larger")
            }
            let logs = try createPartitionLogs(name, range: current..<totalCount, config: entry.config)
            do throws(StorageError) {
                try writeMetadata(TopicMetadata(name: name, partitions: totalCount, overrides: entry.overrides))
            } catch {
                for log in logs { removePartitionDirectory(log) }
                throw error
            }
            state.withLock { $0.topics[name]?.partitions += logs }
            logger.info("topic \(name) now has \(totalCount) partitions")
        }
    }

    /// Replaces a topic's whole override set (AlterConfigs semantics).
    public func alterTopicConfig(_ name: String, overrides: [String: String]) throws(StorageError) {
        let config = try validated(overrides)
        try adminLock.withLock { (_) throws(StorageError) in
            try checkOpen()
            guard let entry = state.withLock({ $0.topics[name] }) else {
                throw StorageError(.unknownTopicOrPartition, "topic \(name) does not exist")
            }
            try writeMetadata(TopicMetadata(name: name, partitions: Int32(entry.partitions.count), overrides: overrides))
            state.withLock {
                $0.topics[name]?.overrides = overrides
                $0.topics[name]?.config = config
            }
            for log in entry.partitions { log.update(config: config) }
        }
    }

    private func validated(_ overrides: [String: String]) throws(StorageError) -> LogConfig {
        do {
            return try defaults.applying(overrides)
        } catch {
            throw StorageError(.invalidConfig, error.description)
        }
    }

    private func checkOpen() throws(StorageError) {
        let (opened, closed) = state.withLock { ($0.opened, $0.closed) }
        guard opened, !closed else {
            throw StorageError(.kafkaStorageError, "the log manager of \(directory) is \(closed ? "closed" : "not open yet")")
        }
    }

    private func createPartitionLogs(_ name: String, range: Range<Int32>, config: LogConfig) throws(StorageError) -> [PartitionLog] {
        let now = WallClock.nowMs()
        var logs: [PartitionLog] = []
        do throws(StorageError) {
            for p in range {
                let tp = TopicPartition(topic: name, partition: p)
                let dir = partitionDirectory(tp)
                // Left over from a create that crashed before its metadata was written.
                if FileIO.exists(dir) { try FileIO.removeTree(dir) }
                logs.append(
                    try PartitionLog.create(
                        tp, directory: dir, config: config, durability: durability, files: files, flusher: flusher, logger: logger,
                        now: now, crypto: encryption.map { PartitionCrypto(encryption: $0, topicPartition: tp) }))
            }
            try FileIO.syncDirectory(topicsDirectory)
        } catch {
            for log in logs { removePartitionDirectory(log) }
            throw error
        }
        return logs
    }

    private func removePartitionDirectory(_ log: PartitionLog) {
        log.shutDown(StorageError(.unknownTopicOrPartition, "\(log.topicPartition) was not created"))
        try? FileIO.removeTree(log.directory)
    }

    private func writeMetadata(_ metadata: TopicMetadata) throws(StorageError) {
        try FileIO.writeAtomically(try metadata.encoded(), to: metaDirectory + "/" + metadata.name + ".json")
    }
}
