import NIOCore
import Testing

@testable import KafkaWire

@Suite struct RecordBatchTests {
    typealias L = RecordBatchLayout

    /// Three records with keys, a null key, headers and spread timestamps.
    static func sampleBuilder(_ codec: CompressionCodec) -> RecordBatchBuilder {
        var builder = RecordBatchBuilder(compression: codec)
        builder.producerId = 4242
        builder.producerEpoch = 3
        builder.baseSequence = 17
        builder.append(timestamp: 1_700_000_000_000, key: ByteBuffer(string: "k0"), value: ByteBuffer(string: "v0"))
        builder.append(
            timestamp: 1_700_000_000_500, key: nil, value: ByteBuffer(repeating: 0x5A, count: 3000),
            headers: [RecordHeader(key: "h1", value: ByteBuffer(string: "x")), RecordHeader(key: "h2", value: nil)])
        builder.append(timestamp: 1_699_999_999_990, key: ByteBuffer(string: "k2"), value: nil)
        return builder
    }

    @Test(arguments: CompressionCodec.allCases)
    func encodeValidateIterate(codec: CompressionCodec) throws {
        let bytes = try Self.sampleBuilder(codec).build()
        let validated = try RecordBatchValidator().validate(bytes)
        #expect(validated.recordCount == 3)
        #expect(validated.batches.count == 1)
        #expect(validated.batches[0].byteOffset == 0)
        #expect(validated.batches[0].maxRecordTimestamp == 1_700_000_000_500)

        let header = validated.batches[0].header
        #expect(header.baseOffset == 0)
        #expect(Int(header.batchLength) == bytes.readableBytes - 12)
        #expect(header.partitionLeaderEpoch == -1)
        #expect(header.magic == 2)
        #expect(header.crc == CRC32C.checksum(Array(bytes.readableBytesView.dropFirst(21))))
        #expect(header.attributes == codec.rawValue)
        #expect(header.compression == codec)
        #expect(header.timestampType == .createTime)
        #expect(!header.isTransactional && !header.isControl && !header.hasDeleteHorizonMs)
        #expect(header.lastOffsetDelta == 2)
        #expect(header.baseTimestamp == 1_700_000_000_000)
        #expect(header.maxTimestamp == 1_700_000_000_500)
        #expect(header.producerId == 4242)
        #expect(header.producerEpoch == 3)
        #expect(header.baseSequence == 17)
        #expect(header.recordsCount == 3)

        var iterator = RecordBatchIterator(bytes)
        guard case .batch(let batch) = try iterator.next() else {
            Issue.record("expected a batch")
            return
        }
        #expect(try iterator.next() == nil)
        #expect(batch.header == header)
        #expect(batch.isChecksumValid)
        let records = try batch.decodeRecords(maxUncompressedBytes: 1 << 20)
        #expect(records.count == 3)
        #expect(records.map(\.offsetDelta) == [0, 1, 2])
        #expect(records.map(\.timestampDelta) == [0, 500, -10])
        #expect(records.map { header.timestamp(of: $0) } == [1_700_000_000_000, 1_700_000_000_500, 1_699_999_999_990])
        #expect(records[0].key == ByteBuffer(string: "k0") && records[0].value == ByteBuffer(string: "v0"))
        #expect(records[1].key == nil && records[1].value == ByteBuffer(repeating: 0x5A, count: 3000))
        #expect(records[1].headers == [RecordHeader(key: "h1", value: ByteBuffer(string: "x")), RecordHeader(key: "h2", value: nil)])
        #expect(records[2].value == nil && records[2].headers.isEmpty)
        if codec == .none {
            #expect(batch.payload.readableBytes == records.reduce(0) { $0 + $1.encodedSize })
        }
    }

    @Test func headerRoundTripAndAttributes() throws {
        var header = RecordBatchHeader(
            baseOffset: 9, batchLength: 49, partitionLeaderEpoch: 4, crc: 0xDEAD_BEEF, lastOffsetDelta: 0,
            baseTimestamp: 10, maxTimestamp: 11, producerId: 12, producerEpoch: 13, baseSequence: 14, recordsCount: 1)
        header.compression = .lz4
        header.timestampType = .logAppendTime
        header.isTransactional = true
        header.isControl = true
        header.hasDeleteHorizonMs = true
        #expect(header.attributes == 0b111_1011)
        var buffer = ByteBuffer()
        header.encode(into: &buffer)
        #expect(buffer.readableBytes == RecordBatchHeader.size)
        #expect(buffer.getInteger(at: L.crc, as: UInt32.self) == 0xDEAD_BEEF)
        #expect(try RecordBatchHeader(from: buffer, at: 0) == header)
        #expect(throws: KafkaWireError.self) { try RecordBatchHeader(from: buffer, at: 1) }
        header.isControl = false
        header.compression = nil
        #expect(header.attributes == 0b101_1000)
        header.attributes = 0x80
        #expect(header.hasReservedAttributeBits)
    }

    /// Bytes assembled by hand from the spec, not by the builder.
    @Test func handAssembledBatchDecodes() throws {
        // One record: key "k", value "val", no headers, timestampDelta 0, offsetDelta 0.
        let record: [UInt8] = [0x14, 0x00, 0x00, 0x00, 0x02, 0x6B, 0x06, 0x76, 0x61, 0x6C, 0x00]
        var bytes = ByteBuffer()
        bytes.writeInteger(Int64(0))  // baseOffset
        bytes.writeInteger(Int32(49 + record.count))  // batchLength
        bytes.writeInteger(Int32(-1))  // partitionLeaderEpoch
        bytes.writeInteger(Int8(2))  // magic
        bytes.writeInteger(UInt32(0))  // crc, patched below
        bytes.writeInteger(Int16(0))  // attributes
        bytes.writeInteger(Int32(0))  // lastOffsetDelta
        bytes.writeInteger(Int64(1_600_000_000_000))  // baseTimestamp
        bytes.writeInteger(Int64(1_600_000_000_000))  // maxTimestamp
        bytes.writeInteger(Int64(-1))  // producerId
        bytes.writeInteger(Int16(-1))  // producerEpoch
        bytes.writeInteger(Int32(-1))  // baseSequence
        bytes.writeInteger(Int32(1))  // recordsCount
        bytes.writeBytes(record)
        let crc = Array(bytes.readableBytesView.dropFirst(21)).withUnsafeBytes { CRC32C.portableChecksum($0) }
        bytes.setInteger(crc, at: 17)

        _ = try RecordBatchValidator().validate(bytes)
        let batch = try RecordBatch(bytes: bytes)
        let records = try batch.decodeRecords(maxUncompressedBytes: 100)
        #expect(records == [Record(key: ByteBuffer(string: "k"), value: ByteBuffer(string: "val"))])

        var builder = RecordBatchBuilder()
        builder.append(timestamp: 1_600_000_000_000, key: ByteBuffer(string: "k"), value: ByteBuffer(string: "val"))
        #expect(try builder.build() == bytes, "the builder writes the same bytes")
    }

    @Test func truncatedTrailingBatchIsIncomplete() throws {
        let first = try Self.sampleBuilder(.none).build()
        let second = try Self.sampleBuilder(.gzip).build()
        for cut in [1, 11, 12, 61, second.readableBytes - 1] {
            var records = first
            records.writeImmutableBuffer(second.getSlice(at: 0, length: cut)!)
            let (batches, tail) = try RecordBatchIterator.split(records)
            #expect(batches.count == 1)
            #expect(tail?.readableBytes == cut)
            // On produce, the same bytes are refused.
            var validator = RecordBatchValidator()
            validator.requireSingleBatch = false
            expectRejected(records, .corruptMessage, validator, batchIndex: 1)
        }
        var tooShort = ByteBuffer()
        tooShort.writeInteger(Int64(0))
        tooShort.writeInteger(Int32(13))
        tooShort.writeBytes([UInt8](repeating: 0, count: 13))
        var iterator = RecordBatchIterator(tooShort)
        #expect(throws: KafkaWireError.self) { try iterator.next() }
        expectRejected(tooShort, .corruptMessage)
    }

    @Test func assignOffsetsInPlace() throws {
        var records = try Self.sampleBuilder(.none).build()
        try Self.sampleBuilder(.snappy).encode(into: &records)
        var validator = RecordBatchValidator()
        validator.requireSingleBatch = false
        let validated = try validator.validate(records)
        #expect(validated.recordCount == 6)
        #expect(validated.batches.map(\.byteOffset) == [0, validated.batches[0].header.totalSize])
        let next = try RecordBatch.assignOffsets(in: &records, firstOffset: 100, partitionLeaderEpoch: 7)
        #expect(next == 106)
        let (batches, tail) = try RecordBatchIterator.split(records)
        #expect(tail == nil)
        #expect(batches.map(\.header.baseOffset) == [100, 103])
        #expect(batches.map(\.header.partitionLeaderEpoch) == [7, 7])
        #expect(batches.allSatisfy { $0.isChecksumValid }, "both fields are outside the CRC")
        var batch = batches[1]
        batch.assign(baseOffset: 5, partitionLeaderEpoch: 1)
        #expect(try RecordBatch(bytes: batch.bytes).header.baseOffset == 5)
        #expect(batch.isChecksumValid)
    }

    @Test func fetchSideDecodingAllowsOffsetGaps() throws {
        var builder = RecordBatchBuilder()
        builder.baseTimestamp = 50
        builder.append(Record(offsetDelta: 0, value: ByteBuffer(string: "a")))
        builder.append(Record(offsetDelta: 5, value: ByteBuffer(string: "b")))  // compacted away 1–4
        let batch = try RecordBatch(bytes: try builder.build())
        #expect(batch.header.lastOffsetDelta == 5)
        #expect(try batch.decodeRecords(maxUncompressedBytes: 100).map(\.offsetDelta) == [0, 5])
    }
}

/// Asserts that validation fails with exactly `code`.
func expectRejected(
    _ records: ByteBuffer,
    _ code: KafkaErrorCode,
    _ validator: RecordBatchValidator = RecordBatchValidator(),
    batchIndex: Int = 0,
    recordIndex: Int? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    do throws(RecordValidationError) {
        _ = try validator.validate(records)
        Issue.record("accepted; expected error \(code.rawValue)", sourceLocation: sourceLocation)
    } catch {
        #expect(error.errorCode == code, "\(error)", sourceLocation: sourceLocation)
        #expect(error.batchIndex == batchIndex, "\(error)", sourceLocation: sourceLocation)
        #expect(error.recordIndex == recordIndex, "\(error)", sourceLocation: sourceLocation)
    }
}
