import NIOCore
import Testing

@testable import KafkaWire

/// One test per produce rule: each breaks exactly one thing and expects Kafka's code.
@Suite struct RecordBatchValidationTests {
    typealias L = RecordBatchLayout

    static func valid(_ codec: CompressionCodec = .none) throws -> ByteBuffer {
        try RecordBatchTests.sampleBuilder(codec).build()
    }

    /// `batch` with `edit` applied and, unless told otherwise, a CRC that matches again.
    static func patched(_ batch: ByteBuffer, fixCRC: Bool = true, _ edit: (inout ByteBuffer) -> Void) -> ByteBuffer {
        var bytes = batch
        edit(&bytes)
        if fixCRC {
            bytes.setInteger(CRC32C.checksum(bytes, at: L.crcStart, length: bytes.writerIndex - L.crcStart)!, at: L.crc)
        }
        return bytes
    }

    /// A batch around a hand-written records section.
    static func batch(records payload: [UInt8], count: Int32, attributes: Int16 = 0) -> ByteBuffer {
        var bytes = ByteBuffer()
        RecordBatchHeader(attributes: attributes, lastOffsetDelta: count - 1, baseTimestamp: 0, maxTimestamp: 0, recordsCount: count)
            .encode(into: &bytes)
        bytes.writeBytes(payload)
        bytes.setInteger(Int32(bytes.readableBytes - 12), at: L.batchLength)
        return patched(bytes) { _ in }
    }

    @Test(arguments: CompressionCodec.allCases)
    func validBatchesPass(codec: CompressionCodec) throws {
        _ = try RecordBatchValidator().validate(try Self.valid(codec))
    }

    @Test func crcMismatch() throws {
        let bad = Self.patched(try Self.valid(), fixCRC: false) { $0.setInteger(UInt8(0xFF), at: 70) }
        expectRejected(bad, .corruptMessage)
        let badCRCField = Self.patched(try Self.valid(), fixCRC: false) { $0.setInteger(UInt32(1), at: L.crc) }
        expectRejected(badCRCField, .corruptMessage)
    }

    @Test func magicMustBeTwo() throws {
        for magic: Int8 in [0, 1, 3] {
            expectRejected(Self.patched(try Self.valid()) { $0.setInteger(magic, at: L.magic) }, .invalidRecord)
        }
    }

    @Test func compressionCodecs() throws {
        for id: Int16 in 5...7 {
            expectRejected(Self.patched(try Self.valid()) { $0.setInteger(id, at: L.attributes) }, .unsupportedCompressionType)
        }
        var beforeV7 = RecordBatchValidator()
        beforeV7.allowZstd = false
        expectRejected(try Self.valid(.zstd), .unsupportedCompressionType, beforeV7)
        _ = try beforeV7.validate(try Self.valid(.lz4))
    }

    @Test func reservedAttributeBits() throws {
        for bit in 7..<16 {
            let attributes = Int16(truncatingIfNeeded: 1 << bit)
            expectRejected(Self.patched(try Self.valid()) { $0.setInteger(attributes, at: L.attributes) }, .invalidRecord)
        }
    }

    @Test func controlBatchesFromClients() throws {
        expectRejected(Self.patched(try Self.valid()) { $0.setInteger(Int16(0x20), at: L.attributes) }, .invalidRecord)
    }

    @Test func logAppendTimeFromProducer() throws {
        expectRejected(Self.patched(try Self.valid()) { $0.setInteger(Int16(0x08), at: L.attributes) }, .invalidTimestamp)
    }

    @Test func lastOffsetDeltaAndCount() throws {
        expectRejected(Self.patched(try Self.valid()) { $0.setInteger(Int32(1), at: L.lastOffsetDelta) }, .invalidRecord)
        expectRejected(Self.patched(try Self.valid()) { $0.setInteger(Int32(3), at: L.lastOffsetDelta) }, .invalidRecord)
        expectRejected(Self.patched(try Self.valid()) { $0.setInteger(Int32(-1), at: L.lastOffsetDelta) }, .invalidRecord)
        let empty = Self.patched(try Self.valid()) {
            $0.setInteger(Int32(-1), at: L.lastOffsetDelta)
            $0.setInteger(Int32(0), at: L.recordsCount)
        }
        expectRejected(empty, .invalidRecord)
        let emptyBatch = try RecordBatchBuilder().build()
        expectRejected(emptyBatch, .invalidRecord)
    }

    @Test func producerIdNeedsSequence() throws {
        expectRejected(Self.patched(try Self.valid()) { $0.setInteger(Int32(-1), at: L.baseSequence) }, .invalidRecord)
        var plain = RecordBatchBuilder()
        plain.append(timestamp: 1, key: nil, value: nil)
        _ = try RecordBatchValidator().validate(try plain.build())  // producerId -1, sequence -1 is fine
    }

    @Test func baseOffsetMustBeZero() throws {
        expectRejected(Self.patched(try Self.valid(), fixCRC: false) { $0.setInteger(Int64(5), at: L.baseOffset) }, .invalidRecord)
    }

    @Test func maxMessageBytes() throws {
        let batch = try Self.valid()
        var validator = RecordBatchValidator()
        validator.maxBatchBytes = batch.readableBytes - 1
        expectRejected(batch, .messageTooLarge, validator)
        validator.maxBatchBytes = batch.readableBytes
        _ = try validator.validate(batch)
    }

    @Test func batchLengthMustMatchFrame() throws {
        let batch = try Self.valid()
        let longer = Self.patched(batch, fixCRC: false) { $0.setInteger(Int32(batch.readableBytes - 11), at: L.batchLength) }
        expectRejected(longer, .corruptMessage)
        let shorter = Self.patched(batch, fixCRC: false) { $0.setInteger(Int32(batch.readableBytes - 13), at: L.batchLength) }
        expectRejected(shorter, .corruptMessage)
        let tiny = Self.patched(batch, fixCRC: false) { $0.setInteger(Int32(-1), at: L.batchLength) }
        expectRejected(tiny, .corruptMessage)
    }

    @Test func oneBatchPerPartition() throws {
        var two = try Self.valid()
        two.writeImmutableBuffer(try Self.valid())
        expectRejected(two, .invalidRecord, batchIndex: 1)
        expectRejected(ByteBuffer(), .invalidRecord)
    }

    @Test func offsetDeltasMustBeConsecutive() throws {
        var builder = RecordBatchBuilder()
        builder.append(Record(offsetDelta: 1))
        builder.append(Record(offsetDelta: 0))
        expectRejected(try builder.build(), .invalidRecord, recordIndex: 0)
    }

    @Test func recordCountMustMatchRecords() throws {
        let fewer = Self.patched(try Self.valid()) {
            $0.setInteger(Int32(3), at: L.lastOffsetDelta)
            $0.setInteger(Int32(4), at: L.recordsCount)
        }
        expectRejected(fewer, .invalidRecord, recordIndex: 3)
        let more = Self.patched(try Self.valid()) {
            $0.setInteger(Int32(1), at: L.lastOffsetDelta)
            $0.setInteger(Int32(2), at: L.recordsCount)
        }
        expectRejected(more, .invalidRecord)
    }

    @Test(arguments: [CompressionCodec.none, .gzip, .zstd])
    func malformedRecordsInside(codec: CompressionCodec) throws {
        let nullHeaderKey: [UInt8] = [0x10, 0x00, 0x00, 0x00, 0x01, 0x01, 0x02, 0x01, 0x01]
        let lengthMismatch: [UInt8] = [0x0E, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00]
        let overlongVarint: [UInt8] = [0x0C, 0x00, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]
        for payload in [nullHeaderKey, lengthMismatch, overlongVarint] {
            var compressed = ByteBuffer()
            try codec.compress(ByteBuffer(bytes: payload), into: &compressed)
            let batch = Self.batch(records: Array(compressed.readableBytesView), count: 1, attributes: codec.rawValue)
            expectRejected(batch, .invalidRecord, recordIndex: 0)
        }
    }

    @Test func corruptCompressedPayload() {
        let batch = Self.batch(records: [0x1F, 0x8B, 0x08, 0x00, 0xFF, 0xFF, 0xFF], count: 1, attributes: CompressionCodec.gzip.rawValue)
        expectRejected(batch, .corruptMessage)
    }

    @Test func compressionBomb() throws {
        var builder = RecordBatchBuilder(compression: .zstd)
        builder.append(timestamp: 0, key: nil, value: ByteBuffer(repeating: 0, count: 2 << 20))
        let batch = try builder.build()
        #expect(batch.readableBytes < 1000)
        var validator = RecordBatchValidator()
        validator.maxUncompressedBytes = 1 << 20
        expectRejected(batch, .messageTooLarge, validator)
    }

    @Test func compactedTopicsNeedKeys() throws {
        var validator = RecordBatchValidator()
        validator.requireKeys = true
        expectRejected(try Self.valid(), .invalidRecord, validator, recordIndex: 1)
    }

    @Test func timestampRange() throws {
        var validator = RecordBatchValidator()
        validator.timestampRange = 1_700_000_000_000...1_800_000_000_000
        expectRejected(try Self.valid(), .invalidTimestamp, validator, recordIndex: 2)
        validator.timestampRange = 1_600_000_000_000...1_800_000_000_000
        _ = try validator.validate(try Self.valid())
    }
}
