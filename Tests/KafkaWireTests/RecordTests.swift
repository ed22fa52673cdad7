import NIOCore
import Testing

@testable import KafkaWire

@Suite struct RecordTests {
    @Test func zigZagVarintEncodings() throws {
        let cases: [(Int32, [UInt8])] = [
            (0, [0x00]), (-1, [0x01]), (1, [0x02]), (63, [0x7E]), (-64, [0x7F]), (64, [0x80, 0x01]),
            (Int32.max, [0xFE, 0xFF, 0xFF, 0xFF, 0x0F]), (Int32.min, [0xFF, 0xFF, 0xFF, 0xFF, 0x0F]),
        ]
        for (value, bytes) in cases {
            var buffer = ByteBuffer()
            buffer.kafkaWriteVarint(value)
            #expect(Array(buffer.readableBytesView) == bytes, "\(value)")
            #expect(ZigZagVarint.size(value) == bytes.count)
            #expect(try buffer.kafkaReadVarint() == value)
            #expect(buffer.readableBytes == 0)
        }
    }

    @Test func zigZagVarlongRoundTrip() throws {
        let values: [Int64] = [0, -1, 1, 1_700_000_000_000, -1_700_000_000_000, Int64.max, Int64.min, 1 << 35]
        for value in values {
            var buffer = ByteBuffer()
            buffer.kafkaWriteVarlong(value)
            #expect(buffer.readableBytes == ZigZagVarint.size(value))
            #expect(try buffer.kafkaReadVarlong() == value)
        }
        var max = ByteBuffer()
        max.kafkaWriteVarlong(Int64.min)
        #expect(max.readableBytes == 10)
    }

    @Test func overlongVarintsRejected() {
        let badVarints: [[UInt8]] = [
            [0x80, 0x80, 0x80, 0x80, 0x80, 0x00],  // six bytes
            [0xFF, 0xFF, 0xFF, 0xFF, 0x1F],  // 33 bits
            [0x80, 0x80, 0x80, 0x80, 0x80],  // continuation on the fifth byte
        ]
        for bytes in badVarints {
            var buffer = ByteBuffer(bytes: bytes)
            #expect(throws: KafkaWireError(.malformed, "varint longer than 5 bytes")) { try buffer.kafkaReadVarint() }
        }
        let badVarlongs: [[UInt8]] = [
            [UInt8](repeating: 0x80, count: 10) + [0x00],  // eleven bytes
            [UInt8](repeating: 0xFF, count: 9) + [0x02],  // 65 bits
        ]
        for bytes in badVarlongs {
            var buffer = ByteBuffer(bytes: bytes)
            #expect(throws: KafkaWireError(.malformed, "varlong longer than 10 bytes")) { try buffer.kafkaReadVarlong() }
        }
        var truncated = ByteBuffer(bytes: [0x80, 0x80])
        let error = #expect(throws: KafkaWireError.self) { try truncated.kafkaReadVarint() }
        #expect(error?.code == .truncated)
        #expect(truncated.readerIndex == 0)
    }

    @Test func recordExactBytes() throws {
        let record = Record(
            timestampDelta: 5, offsetDelta: 1, key: nil, value: ByteBuffer(string: "hi"),
            headers: [RecordHeader(key: "h", value: nil)])
        var buffer = ByteBuffer()
        record.encode(into: &buffer)
        // length 11 | attributes | ts 5 | offset 1 | key null | value "hi" | 1 header: "h", null
        let expected: [UInt8] = [0x16, 0x00, 0x0A, 0x02, 0x01, 0x04, 0x68, 0x69, 0x02, 0x02, 0x68, 0x01]
        #expect(Array(buffer.readableBytesView) == expected)
        #expect(record.encodedSize == expected.count)
        #expect(try Record.decode(from: &buffer) == record)
        #expect(buffer.readableBytes == 0)
    }

    @Test func recordRoundTripSlicesTheInput() throws {
        let record = Record(
            attributes: 0, timestampDelta: -3, offsetDelta: 300, key: ByteBuffer(), value: ByteBuffer(repeating: 7, count: 1000),
            headers: [
                RecordHeader(key: "trace-id", value: ByteBuffer(string: "abc")),
                RecordHeader(key: "", value: ByteBuffer()),
                RecordHeader(key: "ünïcode", value: nil),
            ])
        var buffer = ByteBuffer()
        record.encode(into: &buffer)
        #expect(buffer.readableBytes == record.encodedSize)
        let decoded = try Record.decode(from: &buffer)
        #expect(decoded == record)
        #expect(decoded.key?.readableBytes == 0)  // empty, not null
        #expect(decoded.headers[2].value == nil)
    }

    @Test func malformedRecordsRejected() {
        let cases: [(String, [UInt8])] = [
            ("null header key", [0x10, 0x00, 0x00, 0x00, 0x01, 0x01, 0x02, 0x01, 0x01]),
            ("negative key length", [0x0C, 0x00, 0x00, 0x00, 0x03, 0x01, 0x00]),
            ("negative header count", [0x0C, 0x00, 0x00, 0x00, 0x01, 0x01, 0x01]),
            ("length longer than fields", [0x0E, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00]),
            ("length shorter than fields", [0x0A, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00]),
            ("length past the input", [0x20, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00]),
            ("key past the record", [0x0C, 0x00, 0x00, 0x00, 0x08, 0x01, 0x00]),
            ("huge header count", [0x14, 0x00, 0x00, 0x00, 0x01, 0x01, 0xFE, 0xFF, 0xFF, 0xFF, 0x0F]),
            ("negative length", [0x01]),
        ]
        for (name, bytes) in cases {
            var buffer = ByteBuffer(bytes: bytes)
            #expect(throws: KafkaWireError.self, "\(name)") { try Record.decode(from: &buffer) }
        }
    }

    @Test func timestampAndOffsetFromHeader() {
        let header = RecordBatchHeader(baseOffset: 100, baseTimestamp: 1_000)
        let record = Record(timestampDelta: 25, offsetDelta: 4)
        #expect(header.timestamp(of: record) == 1_025)
        #expect(header.offset(of: record) == 104)
    }
}
