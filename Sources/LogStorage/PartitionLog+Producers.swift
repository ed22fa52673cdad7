import KafkaWire

extension PartitionLog {
    enum ProducerCheck {
        /// No batch carries a producer id.
        case none
        case duplicate(ProducerStateTable.BatchMetadata)
        /// The table after this append, to install once the write succeeded.
        case updated(ProducerStateTable)
    }

    /// Applies Kafka's idempotence rules to every batch, in order, on a copy of the
    /// table, so that a refused request changes nothing.
    func checkProducers(
        _ validated: ValidatedRecords, firstOffset: Int64, appendTime: Int64?, state: inout PartitionState
    ) throws(StorageError) -> ProducerCheck {
        guard validated.batches.contains(where: { $0.header.hasProducerId }) else { return .none }
        try loadProducerStateIfNeeded(&state)
        var table = state.producers!
        var offset = firstOffset
        for batch in validated.batches {
            let header = batch.header
            let count = Int64(header.lastOffsetDelta) + 1
            defer { offset += count }
            guard header.hasProducerId else { continue }
            let lastSequence = ProducerStateTable.increment(header.baseSequence, by: header.lastOffsetDelta)
            let verdict = try table.check(
                producerId: header.producerId, epoch: header.producerEpoch, firstSequence: header.baseSequence,
                lastSequence: lastSequence, partition: topicPartition)
            switch verdict {
            case .duplicate(let original):
                return .duplicate(original)
            case .append:
                table.record(
                    producerId: header.producerId, epoch: header.producerEpoch,
                    batch: .init(
                        firstSequence: header.baseSequence, lastSequence: lastSequence, firstOffset: offset,
                        lastOffset: offset + count - 1, timestamp: appendTime ?? batch.maxRecordTimestamp))
            }
        }
        return .updated(table)
    }

    /// Loads the newest valid snapshot and replays the frame headers after it.
    func loadProducerStateIfNeeded(_ state: inout PartitionState) throws(StorageError) {
        guard state.producers == nil else { return }
        let end = state.logEndOffset
        var table = ProducerStateTable()
        var from = state.segments[0].baseOffset
        for (offset, path) in snapshotFiles().reversed() where offset <= end {
            if let bytes = try FileIO.readAll(path), let snapshot = ProducerSnapshot.decode(bytes), snapshot.offset == offset {
                table = snapshot.table
                from = max(from, offset)
                break
            }
            logger.warning("ignoring unreadable producer snapshot \(path)")
        }
        for segment in state.segments where segment.nextOffset > from && !segment.isEmpty {
            try files.withDescriptor(segment.logPath) { (fd) throws(StorageError) in
                let scanner = FrameScanner(fd: fd, path: segment.logPath, from: 0, end: segment.size)
                while case .frame(let header, _, _) = try scanner.next(verify: false) {
                    guard header.baseOffset >= from, header.producerId >= 0 else { continue }
                    table.record(
                        producerId: header.producerId, epoch: header.producerEpoch,
                        batch: .init(
                            firstSequence: header.baseSequence,
                            lastSequence: ProducerStateTable.increment(header.baseSequence, by: header.lastOffsetDelta),
                            firstOffset: header.baseOffset, lastOffset: header.lastOffset, timestamp: header.maxTimestamp))
                }
            }
        }
        table.isDirty = from < end
        state.producers = table
    }

    /// Writes `<logEndOffset>.snapshot` if the table changed since the last one,
    /// keeping only the two newest snapshots.
    func writeProducerSnapshotIfDirty(_ state: inout PartitionState) throws(StorageError) {
        guard let table = state.producers, table.isDirty else { return }
        let offset = state.logEndOffset
        try FileIO.writeAtomically(ProducerSnapshot.encode(table, offset: offset), to: snapshotPath(offset))
        state.producers!.isDirty = false
        for (_, path) in snapshotFiles().dropLast(2) {
            try FileIO.remove(path)
        }
    }

    func snapshotPath(_ offset: Int64) -> String {
        directory + "/" + Segment.fileStem(offset) + ProducerSnapshot.suffix
    }

    /// Snapshot files by offset, oldest first.
    func snapshotFiles() -> [(offset: Int64, path: String)] {
        FileIO.list(directory)
            .compactMap { name -> (Int64, String)? in
                guard name.hasSuffix(ProducerSnapshot.suffix), let offset = Int64(name.dropLast(ProducerSnapshot.suffix.count)) else {
                    return nil
                }
                return (offset, directory + "/" + name)
            }
            .sorted { $0.0 < $1.0 }
    }
}
