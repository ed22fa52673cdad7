import KafkaWire
import NIOCore

extension PartitionLog {
    /// Appends a validated `records` field: assigns offsets, applies LogAppendTime,
    /// enforces the idempotent-producer rules atomically with the write, and writes
    /// each batch inside its frame. Returns before any fsync (see `waitUntilDurable`).
    public func append(_ records: ByteBuffer, validated: ValidatedRecords, now: Int64) throws(StorageError) -> AppendResult {
        var records = records
        let outcome = try state.withLock { (state) throws(StorageError) -> AppendOutcome in
            try checkServing(state)
            return try append(&records, validated: validated, now: now, state: &state)
        }
        for continuation in outcome.appendWaiters { continuation.resume() }
        if outcome.flushNow { flusher.requestFlush(self) }
        if let delay = outcome.flushAfter { flusher.scheduleFlush(self, after: delay) }
        return outcome.result
    }

    struct AppendOutcome {
        var result: AppendResult
        var appendWaiters: [CheckedContinuation<Void, Never>] = []
        var flushNow = false
        var flushAfter: Duration?
    }

    private func append(
        _ records: inout ByteBuffer, validated: ValidatedRecords, now: Int64, state: inout PartitionState
    ) throws(StorageError) -> AppendOutcome {
        let config = state.config
        guard !validated.batches.isEmpty else { throw StorageError(.corruptMessage, "\(topicPartition): no record batch to append") }
        for batch in validated.batches where batch.header.totalSize > config.maxMessageBytes {
            throw StorageError(
                .messageTooLarge,
                "\(topicPartition): batch of \(batch.header.totalSize) bytes exceeds max.message.bytes \(config.maxMessageBytes)")
        }
        let logAppendTime = config.messageTimestampType == .logAppendTime
        let producerCheck = try checkProducers(
            validated, firstOffset: state.logEndOffset, appendTime: logAppendTime ? now : nil, state: &state)
        if case .duplicate(let duplicate) = producerCheck {
            return AppendOutcome(
                result: AppendResult(
                    baseOffset: duplicate.firstOffset, lastOffset: duplicate.lastOffset,
                    logAppendTime: logAppendTime ? duplicate.timestamp : -1,
                    logStartOffset: state.logStartOffset, isDuplicate: true))
        }

        let firstOffset = state.logEndOffset
        do {
            _ = try RecordBatch.assignOffsets(in: &records, firstOffset: firstOffset, partitionLeaderEpoch: 0)
        } catch {
            throw StorageError(.corruptMessage, "\(topicPartition): \(error.message)")
        }
        let sealing = crypto.map { $0.encryption.sealNewBatches } ?? false
        var headers = Self.prepareBatches(&records, validated: validated, logAppendTime: logAppendTime ? now : nil, sealed: sealing)
        let totalSize = headers.reduce(0) { $0 + $1.frameSize }
        let recordCount = Int64(validated.recordCount)

        var rollNow = !state.active.canHold(frameSize: totalSize, records: recordCount, segmentBytes: config.segmentBytes)
        if !rollNow { rollNow = try shouldRollByTime(&state, config: config, now: now) }
        if rollNow {
            try roll(&state, now: now)
        }
        let position = state.active.size
        // Sealed only now: the associated data names the segment, known after the roll.
        let envelopes = sealing ? try sealBatches(&headers, records: records, validated: validated, state: &state) : nil
        try writeFrames(headers, records: records, validated: validated, envelopes: envelopes, at: position, state: &state)

        var framePosition = position
        for header in headers {
            state.active.didAppend(header, at: framePosition, interval: config.indexIntervalBytes)
            framePosition += Int64(header.frameSize)
        }
        if case .updated(let producers) = producerCheck { state.producers = producers }

        var outcome = AppendOutcome(
            result: AppendResult(
                baseOffset: firstOffset, lastOffset: state.logEndOffset - 1,
                logAppendTime: logAppendTime ? now : -1, logStartOffset: state.logStartOffset, isDuplicate: false))
        outcome.appendWaiters = Self.takeSatisfiedAppendWaiters(&state)
        state.unflushedMessages += recordCount
        if state.unflushedMessages >= config.flushMessages { outcome.flushNow = true }
        if state.unflushedSince == nil {
            state.unflushedSince = .now
            if config.flushMs < Int64.max { outcome.flushAfter = .milliseconds(config.flushMs) }
        }
        return outcome
    }

    /// Sets the broker-owned fields inside each batch (LogAppendTime, the true max
    /// timestamp, as Kafka does) and builds the frame headers with their CRCs (for
    /// `sealed` frames the CRC is left to `sealBatches`, which knows the ciphertext).
    private static func prepareBatches(
        _ records: inout ByteBuffer, validated: ValidatedRecords, logAppendTime: Int64?, sealed: Bool
    ) -> [FrameHeader] {
        typealias L = RecordBatchLayout
        var headers: [FrameHeader] = []
        headers.reserveCapacity(validated.batches.count)
        for batch in validated.batches {
            let start = records.readerIndex + batch.byteOffset
            let size = batch.header.totalSize
            var maxTimestamp = batch.maxRecordTimestamp
            var attributes = batch.header.attributes
            if let logAppendTime {
                maxTimestamp = logAppendTime
                attributes |= 0x08
            }
            // Fields inside the CRC changed only when needed: the common CreateTime
            // batch keeps the client's CRC.
            if maxTimestamp != batch.header.maxTimestamp || attributes != batch.header.attributes {
                records.setInteger(maxTimestamp, at: start + L.maxTimestamp)
                records.setInteger(attributes, at: start + L.attributes)
                let crc = CRC32C.checksum(records, at: start + L.crcStart, length: size - L.crcStart)!
                records.setInteger(crc, at: start + L.crc)
            }
            var header = FrameHeader(
                frameLength: UInt32(FrameHeader.headerAfterLength + size + (sealed ? SealedEnvelope.overhead : 0)), crc: 0,
                format: (sealed ? FrameHeader.Format.sealed : .plain).rawValue,
                producerEpoch: batch.header.producerEpoch,
                baseOffset: records.getInteger(at: start + L.baseOffset, as: Int64.self)!,
                lastOffsetDelta: batch.header.lastOffsetDelta, wireLength: Int32(size),
                baseSequence: batch.header.baseSequence, maxTimestamp: maxTimestamp, producerId: batch.header.producerId)
            if !sealed { header.crc = Self.frameChecksum(header, body: records, at: start, length: size) }
            headers.append(header)
        }
        return headers
    }

    static func frameChecksum(_ header: FrameHeader, body: ByteBuffer, at index: Int, length: Int) -> UInt32 {
        var bytes = [UInt8](repeating: 0, count: FrameHeader.size)
        bytes.withUnsafeMutableBytes { header.encode(into: $0) }
        let headerCRC = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[8...])) }
        return body.withUnsafeReadableBytes { raw in
            let offset = index - body.readerIndex
            return CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + length)]), continuing: headerCRC)
        }
    }

    /// One vectored write of every frame (header, batch, header, batch…) at the end
    /// of the active segment. On failure the file is cut back so no partial frame stays.
    private func writeFrames(
        _ headers: [FrameHeader], records: ByteBuffer, validated: ValidatedRecords, envelopes: [UInt8]?, at position: Int64,
        state: inout PartitionState
    ) throws(StorageError) {
        var headerBytes = [UInt8](repeating: 0, count: FrameHeader.size * headers.count)
        headerBytes.withUnsafeMutableBytes { raw in
            for (i, header) in headers.enumerated() {
                header.encode(into: UnsafeMutableRawBufferPointer(rebasing: raw[(i * FrameHeader.size)...]))
            }
        }
        let path = state.active.logPath
        do throws(StorageError) {
            try files.withDescriptor(path, create: true) { (fd) throws(StorageError) in
                try headerBytes.withBytes { (headerRaw) throws(StorageError) in
                    if let envelopes {
                        // Sealed: header, envelope, header, envelope… (envelopes are contiguous).
                        try envelopes.withBytes { (envelopeRaw) throws(StorageError) in
                            var pieces: [UnsafeRawBufferPointer] = []
                            pieces.reserveCapacity(headers.count * 2)
                            var start = 0
                            for (i, header) in headers.enumerated() {
                                pieces.append(UnsafeRawBufferPointer(rebasing: headerRaw[(i * FrameHeader.size)..<((i + 1) * FrameHeader.size)]))
                                pieces.append(UnsafeRawBufferPointer(rebasing: envelopeRaw[start..<(start + header.bodyLength)]))
                                start += header.bodyLength
                            }
                            try FileIO.write(fd, pieces: pieces, at: position, path: path)
                        }
                        return
                    }
                    try records.withReadableBytes { (recordRaw) throws(StorageError) in
                        var pieces: [UnsafeRawBufferPointer] = []
                        pieces.reserveCapacity(headers.count * 2)
                        for (i, batch) in validated.batches.enumerated() {
                            pieces.append(UnsafeRawBufferPointer(rebasing: headerRaw[(i * FrameHeader.size)..<((i + 1) * FrameHeader.size)]))
                            pieces.append(
                                UnsafeRawBufferPointer(rebasing: recordRaw[batch.byteOffset..<(batch.byteOffset + batch.header.totalSize)]))
                        }
                        try FileIO.write(fd, pieces: pieces, at: position, path: path)
                    }
                }
            }
        } catch {
            logger.error("append failed, cutting the segment back to \(position) bytes: \(error.message)")
            do throws(StorageError) {
                try files.withDescriptor(path) { (fd) throws(StorageError) in try FileIO.truncate(fd, to: position, path: path) }
            } catch let cutError {
                // The file may now end in a partial frame: refuse everything until restart,
                // whose recovery cuts it.
                logger.critical("cannot cut \(path) back after a failed write: \(cutError.message); partition offline")
                state.failure = StorageError(.kafkaStorageError, "\(topicPartition) is offline after a failed write")
            }
            throw error
        }
    }

    func shouldRollByTime(_ state: inout PartitionState, config: LogConfig, now: Int64) throws(StorageError) -> Bool {
        guard !state.active.isEmpty else { return false }
        if !state.active.rollingTimestampKnown { try readRollingTimestamp(&state.active) }
        let since = state.active.rollingTimestamp ?? state.active.createdMs
        return now - since > config.segmentMs
    }

    /// Starts a new active segment at the log end. The old one is handed to the
    /// flusher, which fsyncs it and writes its last index entries.
    func roll(_ state: inout PartitionState, now: Int64) throws(StorageError) {
        guard !state.active.isEmpty else { return }
        state.active.addTimeEntryIfGrown()
        var segment = Segment(baseOffset: state.logEndOffset, directory: directory, createdMs: now)
        segment.needsDirectorySync = true
        try files.withDescriptor(segment.logPath, create: true) { _ in }
        state.segments.append(segment)
        try writeProducerSnapshotIfDirty(&state)
        logger.debug("rolled to segment \(segment.baseOffset)")
        flusher.requestFlush(self)
    }
}
