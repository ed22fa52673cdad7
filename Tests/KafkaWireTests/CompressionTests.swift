import CCompression
import NIOCore
import Testing

@testable import KafkaWire

@Suite struct CompressionTests {
    static let codecs: [CompressionCodec] = [.gzip, .snappy, .lz4, .zstd]

    static func samples() -> [(name: String, bytes: [UInt8])] {
        var rng = SplitMix64(seed: 11)
        let text = Array(String(repeating: "the quick brown fox jumps over the lazy dog ", count: 3000).utf8)
        return [
            ("empty", []),
            ("one byte", [0x2A]),
            ("text", text),
            ("incompressible", rng.bytes(200_000)),
            ("zeros", [UInt8](repeating: 0, count: 300_000)),
        ]
    }

    @Test(arguments: CompressionCodec.allCases)
    func roundTrip(codec: CompressionCodec) throws {
        for (name, bytes) in Self.samples() {
            var compressed = ByteBuffer()
            try codec.compress(ByteBuffer(bytes: bytes), into: &compressed)
            var out = ByteBuffer(bytes: [0xAA])  // appends after existing bytes
            try codec.decompress(compressed, maxOutputBytes: bytes.count, into: &out)
            #expect(out.readableBytes == bytes.count + 1, "\(codec) \(name)")
            #expect(Array(out.readableBytesView.dropFirst()) == bytes, "\(codec) \(name)")
        }
    }

    @Test func codecFromAttributes() {
        #expect(CompressionCodec(batchAttributes: 0) == CompressionCodec.none)
        #expect(CompressionCodec(batchAttributes: 1) == .gzip)
        #expect(CompressionCodec(batchAttributes: 2) == .snappy)
        #expect(CompressionCodec(batchAttributes: 3) == .lz4)
        #expect(CompressionCodec(batchAttributes: 4) == .zstd)
        #expect(CompressionCodec(batchAttributes: 0x7FF4) == .zstd)  // only bits 0–2 count
        for reserved: Int16 in 5...7 { #expect(CompressionCodec(batchAttributes: reserved) == nil) }
    }

    @Test(arguments: CompressionCodec.allCases)
    func bombLimitEnforced(codec: CompressionCodec) throws {
        let size = 4 << 20
        let zeros = ByteBuffer(repeating: 0, count: size)
        var compressed = ByteBuffer()
        try codec.compress(zeros, into: &compressed)
        var out = ByteBuffer(bytes: [1, 2, 3])
        let error = #expect(throws: KafkaWireError.self) {
            try codec.decompress(compressed, maxOutputBytes: 1 << 20, into: &out)
        }
        #expect(error?.code == .limitExceeded)
        #expect(Array(out.readableBytesView) == [1, 2, 3], "output left as it was")
        #expect(throws: KafkaWireError.self) { try codec.decompress(compressed, maxOutputBytes: size - 1, into: &out) }
        try codec.decompress(compressed, maxOutputBytes: size, into: &out)  // exactly the limit is fine
        #expect(out.readableBytes == size + 3)
    }

    @Test func xerialFramedSnappy() throws {
        let parts = [Array("hello, xerial ".utf8), Array(repeating: 0x41, count: 70_000), Array("!".utf8)]
        var framed = ByteBuffer(bytes: [0x82, 0x53, 0x4E, 0x41, 0x50, 0x50, 0x59, 0x00])
        framed.writeInteger(Int32(1))  // version
        framed.writeInteger(Int32(1))  // compatible version
        for part in parts {
            var block = ByteBuffer()
            try CompressionCodec.snappy.compress(ByteBuffer(bytes: part), into: &block)
            framed.writeInteger(Int32(block.readableBytes))
            framed.writeImmutableBuffer(block)
        }
        var out = ByteBuffer()
        try CompressionCodec.snappy.decompress(framed, maxOutputBytes: 1 << 20, into: &out)
        #expect(Array(out.readableBytesView) == parts.flatMap { $0 })

        // The limit counts all blocks together.
        var limited = ByteBuffer()
        let error = #expect(throws: KafkaWireError.self) {
            try CompressionCodec.snappy.decompress(framed, maxOutputBytes: 70_000, into: &limited)
        }
        #expect(error?.code == .limitExceeded)

        // A block length running past the input.
        var broken = framed
        broken.moveWriterIndex(to: broken.writerIndex - 2)
        #expect(throws: KafkaWireError.self) {
            try CompressionCodec.snappy.decompress(broken, maxOutputBytes: 1 << 20, into: &limited)
        }
        // Header only: no blocks, empty output.
        var empty = ByteBuffer()
        try CompressionCodec.snappy.decompress(framed.getSlice(at: 0, length: 16)!, maxOutputBytes: 10, into: &empty)
        #expect(empty.readableBytes == 0)
    }

    @Test(arguments: codecs)
    func malformedInputThrows(codec: CompressionCodec) throws {
        let text = ByteBuffer(bytes: Array(String(repeating: "malformed? ", count: 500).utf8))
        var compressed = ByteBuffer()
        try codec.compress(text, into: &compressed)
        var inputs: [[UInt8]] = [
            [],
            [0xDE, 0xAD, 0xBE, 0xEF, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07],
            Array(compressed.readableBytesView.dropLast(3)),  // truncated
            Array(compressed.readableBytesView.prefix(compressed.readableBytes / 2)),
        ]
        if codec == .snappy {
            inputs.removeFirst(2)  // 0xDE… is a plausible raw preamble; use a bad back-reference instead
            inputs.append([0x08, 0x01, 0x00])  // 8 bytes out, first op copies from offset 0
        }
        for input in inputs {
            var out = ByteBuffer()
            let error = #expect(throws: KafkaWireError.self, "\(codec) \(input.prefix(8))") {
                try codec.decompress(ByteBuffer(bytes: input), maxOutputBytes: 1 << 20, into: &out)
            }
            #expect(error?.code == .compression || error?.code == .limitExceeded)
            #expect(out.readableBytes == 0)
        }
    }

    @Test func gzipAcceptsConcatenatedMembers() throws {
        var stream = ByteBuffer()
        try CompressionCodec.gzip.compress(ByteBuffer(string: "first "), into: &stream)
        try CompressionCodec.gzip.compress(ByteBuffer(string: "second"), into: &stream)
        var out = ByteBuffer()
        try CompressionCodec.gzip.decompress(stream, maxOutputBytes: 100, into: &out)
        #expect(out == ByteBuffer(string: "first second"))
    }

    @Test func gzipOutputHasGzipHeader() throws {
        var out = ByteBuffer()
        try CompressionCodec.gzip.compress(ByteBuffer(string: "x"), into: &out)
        #expect(Array(out.readableBytesView.prefix(3)) == [0x1F, 0x8B, 0x08])
    }

    @Test func lz4OutputIsAFrame() throws {
        var out = ByteBuffer()
        try CompressionCodec.lz4.compress(ByteBuffer(string: "x"), into: &out)
        #expect(Array(out.readableBytesView.prefix(4)) == [0x04, 0x22, 0x4D, 0x18])  // 0x184D2204 LE
    }

    /// Streaming producers (zstd-jni) leave the content size out of the frame.
    @Test func zstdFrameWithoutContentSize() throws {
        let input = Array(String(repeating: "stream me ", count: 20_000).utf8)
        let context = try #require(ZSTD_createCCtx())
        defer { ZSTD_freeCCtx(context) }
        ZSTD_CCtx_setParameter(context, ZSTD_c_contentSizeFlag, 0)
        var frame = [UInt8](repeating: 0, count: ZSTD_compressBound(input.count))
        let size = ZSTD_compress2(context, &frame, frame.count, input, input.count)
        #expect(ZSTD_isError(size) == 0)
        frame.removeSubrange(size...)
        #expect(ZSTD_getFrameContentSize(frame, frame.count) == UInt64.max)  // "unknown"
        var out = ByteBuffer()
        try CompressionCodec.zstd.decompress(ByteBuffer(bytes: frame), maxOutputBytes: input.count, into: &out)
        #expect(Array(out.readableBytesView) == input)
        var limited = ByteBuffer()
        #expect(throws: KafkaWireError(.limitExceeded, "decompressed data exceeds 1000 bytes")) {
            try CompressionCodec.zstd.decompress(ByteBuffer(bytes: frame), maxOutputBytes: 1000, into: &limited)
        }
    }

    @Test func noneCopiesWithinTheLimit() throws {
        var out = ByteBuffer()
        try CompressionCodec.none.decompress(ByteBuffer(bytes: [1, 2, 3]), maxOutputBytes: 3, into: &out)
        #expect(Array(out.readableBytesView) == [1, 2, 3])
        #expect(throws: KafkaWireError.self) {
            try CompressionCodec.none.decompress(ByteBuffer(bytes: [1, 2, 3]), maxOutputBytes: 2, into: &out)
        }
    }

    @Test func zstdWindowCap() {
        #expect(ZstdCodec.windowLogMax(forOutput: 1) == 23)
        #expect(ZstdCodec.windowLogMax(forOutput: 1 << 20) == 23)
        #expect(ZstdCodec.windowLogMax(forOutput: (16 << 20) + 1) == 25)
        #expect(ZstdCodec.windowLogMax(forOutput: Int.max) == 27)
    }
}
