import NIOCore

/// Kafka's framing: a big-endian int32 size, then that many bytes.
public enum KafkaFrame {
    /// Takes the next whole frame off `buffer`, or returns nil when more bytes are needed.
    /// A negative size or one over `maxFrameSize` is an error (Kafka closes the
    /// connection): the decoder never waits for, or allocates, a frame it would refuse.
    public static func next(from buffer: inout ByteBuffer, maxFrameSize: Int) throws(KafkaWireError) -> ByteBuffer? {
        guard let size = buffer.getInteger(at: buffer.readerIndex, endianness: .big, as: Int32.self) else {
            return nil
        }
        guard size >= 0 else { throw KafkaWireError(.malformed, "negative frame size \(size)") }
        guard Int(size) <= maxFrameSize else {
            throw KafkaWireError(.limitExceeded, "frame of \(size) bytes exceeds the maximum of \(maxFrameSize)")
        }
        guard buffer.readableBytes >= 4 + Int(size) else { return nil }
        buffer.moveReaderIndex(forwardBy: 4)
        return buffer.readSlice(length: Int(size))!
    }

    /// Writes a frame whose body `write` produces, filling in the size afterwards.
    public static func write(
        into buffer: inout ByteBuffer,
        _ write: (inout ByteBuffer) throws(KafkaWireError) -> Void
    ) throws(KafkaWireError) {
        let sizeIndex = buffer.writerIndex
        buffer.writeInteger(Int32(0))
        try write(&buffer)
        buffer.setInteger(Int32(buffer.writerIndex - sizeIndex - 4), at: sizeIndex)
    }
}

/// A NIO decoder that splits a connection's bytes into frames.
public struct KafkaFrameDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer

    public let maxFrameSize: Int

    /// - Parameter maxFrameSize: Kafka's `socket.request.max.bytes` (default 100 MiB).
    public init(maxFrameSize: Int = 104_857_600) {
        self.maxFrameSize = maxFrameSize
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> ByteBuffer? {
        try KafkaFrame.next(from: &buffer, maxFrameSize: maxFrameSize)
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> ByteBuffer? {
        try decode(buffer: &buffer)
    }
}
