import NIOCore
import Testing

@testable import KafkaWire

@Suite struct KafkaFrameTests {
    /// All captured frames, each with its size prefix, back to back as on a socket.
    private func capturedStream() throws -> (stream: ByteBuffer, frames: [ByteBuffer]) {
        var stream = ByteBuffer()
        var frames: [ByteBuffer] = []
        for path in try CapturedFrames.all() {
            let frame = try CapturedFrames.load(path)
            frames.append(frame)
            stream.writeInteger(Int32(frame.readableBytes))
            stream.writeImmutableBuffer(frame)
        }
        return (stream, frames)
    }

    @Test func byteByByteFeedingYieldsEveryFrameOnceAndWhole() throws {
        let (stream, frames) = try capturedStream()
        var decoder = KafkaFrameDecoder(maxFrameSize: 1 << 20)
        var pending = ByteBuffer()
        var out: [ByteBuffer] = []
        for byte in stream.readableBytesView {
            pending.writeInteger(byte)
            while let frame = try decoder.decode(buffer: &pending) {
                out.append(frame)
            }
        }
        #expect(out == frames)
        #expect(pending.readableBytes == 0)
    }

    @Test func anyChunkingYieldsTheSameFrames() throws {
        let (stream, frames) = try capturedStream()
        for chunk in [2, 3, 7, 61, 500, 4096] {
            var pending = ByteBuffer()
            var out: [ByteBuffer] = []
            var rest = stream
            while let piece = rest.readSlice(length: min(chunk, rest.readableBytes)), piece.readableBytes > 0 {
                pending.writeImmutableBuffer(piece)
                while let frame = try KafkaFrame.next(from: &pending, maxFrameSize: 1 << 20) { out.append(frame) }
            }
            #expect(out == frames, "chunk size \(chunk)")
        }
    }

    @Test func aTruncatedFrameWaitsForMoreBytes() throws {
        var buffer = ByteBuffer(bytes: [0, 0, 0, 5, 1, 2])
        #expect(try KafkaFrame.next(from: &buffer, maxFrameSize: 100) == nil)
        #expect(buffer.readableBytes == 6, "nothing consumed while waiting")
        buffer.writeBytes([3, 4, 5])
        #expect(try KafkaFrame.next(from: &buffer, maxFrameSize: 100) == ByteBuffer(bytes: [1, 2, 3, 4, 5]))
    }

    @Test func oversizedAndNegativeFramesAreRefusedBeforeTheirBytesArrive() {
        var big = ByteBuffer(bytes: [0x7F, 0xFF, 0xFF, 0xFF])
        #expect(throws: KafkaWireError(.limitExceeded, "frame of 2147483647 bytes exceeds the maximum of 1024")) {
            _ = try KafkaFrame.next(from: &big, maxFrameSize: 1024)
        }
        var negative = ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFE])
        #expect(throws: KafkaWireError(.malformed, "negative frame size -2")) {
            _ = try KafkaFrame.next(from: &negative, maxFrameSize: 1024)
        }
    }

    @Test func responseFramesUseTheRightHeaderVersion() throws {
        // ApiVersions v3 is flexible, but its response header stays v0: correlation id only.
        var out = ByteBuffer()
        try ApiVersionsResponse(apiKeys: [.init(apiKey: 18, minVersion: 0, maxVersion: 4)])
            .encodeResponseFrame(version: 3, correlationId: 7, into: &out)
        #expect(Array(out.readableBytesView) == [
            0, 0, 0, 19, // size
            0, 0, 0, 7, // correlation id, header v0
            0, 0, // error code
            2, 0, 18, 0, 0, 0, 4, 0, // compact array of one entry + its tagged fields
            0, 0, 0, 0, // throttle time
            0, // tagged fields
        ])
        // A flexible Metadata response carries header v1: correlation id + tagged fields.
        out.clear()
        try MetadataResponse().encodeResponseFrame(version: 9, correlationId: 7, into: &out)
        #expect(Array(out.readableBytesView.prefix(9)) == [0, 0, 0, UInt8(out.readableBytes - 4), 0, 0, 0, 7, 0])
    }

    @Test func requestFramesRoundTripThroughTheHeaderParser() throws {
        var out = ByteBuffer()
        try MetadataRequest(topics: [.init(name: "t")]).encodeRequestFrame(version: 12, correlationId: 42, clientId: "c", into: &out)
        let frame = try KafkaFrame.next(from: &out, maxFrameSize: 1 << 20)!
        let request = try KafkaRequestFrame(frame: frame)
        #expect(request.apiKey == .metadata)
        #expect(request.correlationId == 42)
        #expect(request.header.clientId == "c")
        #expect(try request.decode(as: MetadataRequest.self).topics?.first?.name == "t")
        #expect(throws: KafkaWireError(.malformed, "frame is Metadata(3), not Produce(0)")) {
            _ = try request.decode(as: ProduceRequest.self)
        }
    }
}
