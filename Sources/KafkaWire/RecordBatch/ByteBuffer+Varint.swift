import NIOCore

// Zig-zag varints of record bodies (protobuf sint32/sint64), distinct from the
// unsigned varints of flexible message framing in Primitives.

extension ByteBuffer {
    /// Reads a zig-zag varint; an encoding over 5 bytes (or 32 bits) is `.malformed`.
    package mutating func kafkaReadVarint() throws(KafkaWireError) -> Int32 {
        let (value, length) = try withUnsafeReadableBytes { (bytes) throws(KafkaWireError) in
            var reader = RawBytesReader(bytes)
            return (try reader.readVarint(), reader.position)
        }
        moveReaderIndex(forwardBy: length)
        return value
    }

    /// Reads a zig-zag varlong; an encoding over 10 bytes (or 64 bits) is `.malformed`.
    package mutating func kafkaReadVarlong() throws(KafkaWireError) -> Int64 {
        let (value, length) = try withUnsafeReadableBytes { (bytes) throws(KafkaWireError) in
            var reader = RawBytesReader(bytes)
            return (try reader.readVarlong(), reader.position)
        }
        moveReaderIndex(forwardBy: length)
        return value
    }

    package mutating func kafkaWriteVarint(_ value: Int32) {
        kafkaWriteVarlong(Int64(value))
    }

    package mutating func kafkaWriteVarlong(_ value: Int64) {
        var raw = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        while raw >= 0x80 {
            writeInteger(UInt8(truncatingIfNeeded: raw) | 0x80)
            raw >>= 7
        }
        writeInteger(UInt8(raw))
    }
}

/// Encoded sizes (so a record's length prefix is known before it is written), and
/// the overlong-encoding error.
enum ZigZagVarint {
    static func size(_ value: Int64) -> Int {
        let raw = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        let bits = UInt64.bitWidth - (raw | 1).leadingZeroBitCount
        return (bits + 6) / 7
    }

    static func size(_ value: Int32) -> Int { size(Int64(value)) }

    static func overlong(_ what: StaticString, maxBytes: Int) -> KafkaWireError {
        KafkaWireError(.malformed, "\(what) longer than \(maxBytes) bytes")
    }
}
