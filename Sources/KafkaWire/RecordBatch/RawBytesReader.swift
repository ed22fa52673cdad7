/// A bounds-checked cursor over raw bytes, for the hot record walks.
///
/// Records are read through this rather than `ByteBuffer` so that validating a
/// batch costs a few comparisons per field and no allocation per record. Every
/// read checks `end`; a short input throws `.truncated`, never traps.
struct RawBytesReader {
    let bytes: UnsafeRawBufferPointer
    var position: Int
    let end: Int

    init(_ bytes: UnsafeRawBufferPointer, position: Int = 0, end: Int? = nil) {
        self.bytes = bytes
        self.position = position
        self.end = end ?? bytes.count
    }

    var remaining: Int { end - position }

    mutating func readByte() throws(KafkaWireError) -> UInt8 {
        guard position < end else { throw .truncated("byte") }
        defer { position += 1 }
        return bytes[position]
    }

    /// Skips `count` bytes, which must be inside the reader.
    mutating func skip(_ count: Int) throws(KafkaWireError) {
        guard count >= 0, count <= end - position else { throw .truncated("length-prefixed field") }
        position += count
    }

    /// A zig-zag varint (protobuf `sint32`) of at most 5 bytes.
    mutating func readVarint() throws(KafkaWireError) -> Int32 {
        guard position < end else { throw .truncated("varint") }
        let first = bytes[position]
        if first < 0x80 {  // one byte: nearly every length and delta
            position += 1
            return Int32(first >> 1) ^ -Int32(first & 1)
        }
        return try readVarintSlow()
    }

    mutating func readVarintSlow() throws(KafkaWireError) -> Int32 {
        var raw: UInt32 = 0
        var shift: UInt32 = 0
        while true {
            let byte = try readByte()
            // The fifth byte holds bits 28–31 only; more is an overlong encoding.
            if shift == 28 && byte > 0x0F { throw ZigZagVarint.overlong("varint", maxBytes: 5) }
            raw |= UInt32(byte & 0x7F) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
        }
        return Int32(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    /// A zig-zag varlong (protobuf `sint64`) of at most 10 bytes.
    mutating func readVarlong() throws(KafkaWireError) -> Int64 {
        var raw: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try readByte()
            // The tenth byte holds bit 63 only.
            if shift == 63 && byte > 0x01 { throw ZigZagVarint.overlong("varlong", maxBytes: 10) }
            raw |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
        }
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    /// A varint length: -1 is null (returned as `nil`), other negatives are errors,
    /// and the bytes must be inside the reader. Returns the start of the bytes and
    /// skips them.
    mutating func readNullableBytesRange(_ what: StaticString) throws(KafkaWireError) -> Range<Int>? {
        let length = Int(try readVarint())
        if length == -1 { return nil }
        guard length >= 0 else { throw KafkaWireError(.malformed, "negative \(what) length \(length)") }
        let start = position
        try skip(length)
        return start..<position
    }
}
