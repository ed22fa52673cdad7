import EnvelopeCrypto
import KafkaWire
import NIOCore

/// Encryption at rest inside the partition: sealing on append, opening on read.
///
/// A sealed frame's body is the envelope `keyId ‖ nonce ‖ ciphertext ‖ tag`; the
/// frame header stays in the clear (recovery, indexes, retention and producer state
/// never open a body) and its CRC covers the envelope, so recovery checks sealed
/// frames without a key.
extension PartitionLog {
    /// Seals every batch of an append into one contiguous buffer of envelopes (one
    /// allocation per append; the cipher writes straight into it) and sets each
    /// header's CRC. Called under the partition lock, after any roll.
    func sealBatches(
        _ headers: inout [FrameHeader], records: ByteBuffer, validated: ValidatedRecords, state: inout PartitionState
    ) throws(StorageError) -> [UInt8] {
        guard let crypto else { throw StorageError(.kafkaStorageError, "\(topicPartition): sealing without a keyring") }
        let total = headers.reduce(0) { $0 + $1.bodyLength }
        var envelopes = [UInt8](unsafeUninitializedCapacity: total) { _, count in count = total }
        let segmentBase = state.active.baseOffset
        try envelopes.withMutableBytes { (out) throws(StorageError) in
            try records.withReadableBytes { (recordRaw) throws(StorageError) in
                var start = 0
                for (i, batch) in validated.batches.enumerated() {
                    let sealer = try currentSealer(crypto, &state)
                    let plain = UnsafeRawBufferPointer(rebasing: recordRaw[batch.byteOffset..<(batch.byteOffset + batch.header.totalSize)])
                    let envelope = UnsafeMutableRawBufferPointer(rebasing: out[start..<(start + headers[i].bodyLength)])
                    let failure = crypto.withAssociatedData(segmentBase: segmentBase, header: headers[i]) { ad -> EnvelopeError? in
                        do throws(EnvelopeError) {
                            try sealer.seal(plain, associatedData: ad, into: envelope)
                            return nil
                        } catch {
                            return error
                        }
                    }
                    if let failure { throw StorageError(.kafkaStorageError, "\(topicPartition): cannot seal a batch: \(failure.message)") }
                    headers[i].crc = Self.frameChecksum(headers[i], body: UnsafeRawBufferPointer(envelope))
                    start += headers[i].bodyLength
                }
            }
        }
        return envelopes
    }

    /// The sealer of the active segment, or a new DEK when there is none yet (first
    /// append since start-up), the segment rolled, or the DEK used its batch quota.
    private func currentSealer(_ crypto: PartitionCrypto, _ state: inout PartitionState) throws(StorageError) -> BatchSealer {
        if let sealer = state.sealer, state.sealerSegment == state.active.baseOffset, !sealer.isRetired { return sealer }
        do {
            let sealer = try crypto.encryption.keyring.newSealer(for: crypto.scope, maxBatches: crypto.encryption.maxBatchesPerKey)
            state.sealer = sealer
            state.sealerSegment = state.active.baseOffset
            logger.debug("sealing segment \(state.active.baseOffset) with DEK \(sealer.key.id) of \(crypto.scope)")
            return sealer
        } catch {
            throw StorageError(.kafkaStorageError, "\(topicPartition): cannot get a data key: \(error.message)")
        }
    }

    static func frameChecksum(_ header: FrameHeader, body: UnsafeRawBufferPointer) -> UInt32 {
        withUnsafeTemporaryAllocation(byteCount: FrameHeader.size, alignment: 8) { raw in
            header.encode(into: raw)
            let headerCRC = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[8...]))
            return CRC32C.checksum(body, continuing: headerCRC)
        }
    }

    /// Opens the sealed frame at `frameStart` of `raw` in place and returns where its
    /// wire batch now lies. A frame that does not authenticate is corruption of its
    /// range (logged, answered with KAFKA_STORAGE_ERROR), never served; a missing or
    /// shredded key is KAFKA_STORAGE_ERROR too, with the reason.
    func openSealed(
        _ header: FrameHeader, raw: UnsafeMutableRawBufferPointer, frameStart: Int, segmentBase: Int64, path: String, position: Int64
    ) throws(StorageError) -> (start: Int, count: Int) {
        guard let crypto else {
            throw StorageError(
                .kafkaStorageError,
                "\(topicPartition): sealed batch at \(path):\(position + Int64(frameStart)) but no key provider is configured")
        }
        let bodyStart = frameStart + FrameHeader.size
        let envelope = UnsafeMutableRawBufferPointer(rebasing: raw[bodyStart..<(frameStart + header.frameSize)])
        let key: DataKey
        do {
            key = try crypto.dataKey(for: UnsafeRawBufferPointer(envelope), topicPartition: topicPartition)
        } catch {
            warnUnopenable(error)
            throw error
        }
        let opened = crypto.withAssociatedData(segmentBase: segmentBase, header: header) { key.open(envelope: envelope, associatedData: $0) }
        guard opened else {
            throw corruption(
                path, position: position + Int64(frameStart),
                detail: "sealed batch of offsets \(header.baseOffset)…\(header.lastOffset) fails authentication")
        }
        return (bodyStart + Envelope.plaintextRange(envelope.count).lowerBound, Int(header.wireLength))
    }

    /// Says in the broker log why a fetch got an error instead of sealed data (shredded
    /// keys, a missing DEK), at most once a minute per partition: consumers retry.
    private func warnUnopenable(_ error: StorageError) {
        let now = WallClock.nowMs()
        let last = unopenableWarningMs.load(ordering: .relaxed)
        guard now - last >= 60_000, unopenableWarningMs.compareExchange(expected: last, desired: now, ordering: .relaxed).exchanged else {
            return
        }
        logger.warning("fetch refused with error \(error.errorCode.rawValue): \(error.message)")
    }
}
