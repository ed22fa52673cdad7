import NIOCore

// Kafka's primitive types on ByteBuffer. Every read checks the bytes remaining before
// it allocates; a length that does not fit is an error, never a trap.

extension ByteBuffer {
    // MARK: Fixed-width integers (big-endian)

    @inlinable
    package mutating func kafkaReadInteger<T: FixedWidthInteger>(as: T.Type = T.self) throws(KafkaWireError) -> T {
        guard let value = readInteger(endianness: .big, as: T.self) else { throw .truncated("integer") }
        return value
    }

    @inlinable
    package mutating func kafkaWriteInteger<T: FixedWidthInteger>(_ value: T) {
        writeInteger(value, endianness: .big)
    }

    @inlinable
    package mutating func kafkaReadBool() throws(KafkaWireError) -> Bool {
        try kafkaReadInteger(as: UInt8.self) != 0
    }

    @inlinable
    package mutating func kafkaWriteBool(_ value: Bool) {
        writeInteger(value ? 1 : 0, as: UInt8.self)
    }

    @inlinable
    package mutating func kafkaReadFloat64() throws(KafkaWireError) -> Double {
        Double(bitPattern: try kafkaReadInteger(as: UInt64.self))
    }

    @inlinable
    package mutating func kafkaWriteFloat64(_ value: Double) {
        kafkaWriteInteger(value.bitPattern)
    }

    @inlinable
    package mutating func kafkaReadUUID() throws(KafkaWireError) -> KafkaUUID {
        let high = try kafkaReadInteger(as: UInt64.self)
        let low = try kafkaReadInteger(as: UInt64.self)
        return KafkaUUID(high: high, low: low)
    }

    @inlinable
    package mutating func kafkaWriteUUID(_ value: KafkaUUID) {
        kafkaWriteInteger(value.high)
        kafkaWriteInteger(value.low)
    }

    // MARK: Unsigned varints (flexible framing)

    /// Reads an unsigned LEB128 varint of at most 5 bytes (32 bits).
    @inlinable
    package mutating func kafkaReadUnsignedVarint() throws(KafkaWireError) -> UInt32 {
        var result: UInt32 = 0
        var shift: UInt32 = 0
        while true {
            guard let byte = readInteger(as: UInt8.self) else { throw .truncated("varint") }
            if shift == 28 && byte > 0x0F {
                throw KafkaWireError(.malformed, "unsigned varint longer than 32 bits")
            }
            result |= UInt32(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    @inlinable
    package mutating func kafkaWriteUnsignedVarint(_ value: UInt32) {
        var v = value
        while v >= 0x80 {
            writeInteger(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        writeInteger(UInt8(v))
    }

    // MARK: Lengths

    /// Reads a string/bytes length; `nil` means null. Checks it against the bytes left.
    @inlinable
    mutating func kafkaReadLength(compact: Bool, wide: Bool) throws(KafkaWireError) -> Int? {
        let length: Int
        if compact {
            let raw = try kafkaReadUnsignedVarint()
            if raw == 0 { return nil }
            length = Int(raw) - 1
        } else if wide {
            length = Int(try kafkaReadInteger(as: Int32.self))
        } else {
            length = Int(try kafkaReadInteger(as: Int16.self))
        }
        if length == -1 && !compact { return nil }
        guard length >= 0 else { throw KafkaWireError(.malformed, "negative length \(length)") }
        guard length <= readableBytes else { throw .truncated("length-prefixed field") }
        return length
    }

    @inlinable
    mutating func kafkaWriteLength(_ length: Int?, compact: Bool, wide: Bool) {
        if compact {
            kafkaWriteUnsignedVarint(length.map { UInt32($0) + 1 } ?? 0)
        } else if wide {
            kafkaWriteInteger(Int32(length ?? -1))
        } else {
            kafkaWriteInteger(Int16(length ?? -1))
        }
    }

    // MARK: Strings

    @inlinable
    package mutating func kafkaReadNullableString(compact: Bool) throws(KafkaWireError) -> String? {
        guard let length = try kafkaReadLength(compact: compact, wide: false) else { return nil }
        return readString(length: length)!
    }

    @inlinable
    package mutating func kafkaReadString(compact: Bool) throws(KafkaWireError) -> String {
        guard let value = try kafkaReadNullableString(compact: compact) else {
            throw KafkaWireError(.malformed, "null in a non-nullable string")
        }
        return value
    }

    @inlinable
    package mutating func kafkaWriteString(_ value: String?, compact: Bool) throws(KafkaWireError) {
        guard let value else {
            kafkaWriteLength(nil, compact: compact, wide: false)
            return
        }
        let count = value.utf8.count
        guard compact || count <= Int(Int16.max) else {
            throw KafkaWireError(.unencodableField, "string of \(count) bytes exceeds int16 length")
        }
        kafkaWriteLength(count, compact: compact, wide: false)
        writeString(value)
    }

    // MARK: Bytes and records

    @inlinable
    package mutating func kafkaReadNullableBytes(compact: Bool) throws(KafkaWireError) -> [UInt8]? {
        guard let length = try kafkaReadLength(compact: compact, wide: true) else { return nil }
        return readBytes(length: length)!
    }

    @inlinable
    package mutating func kafkaReadBytes(compact: Bool) throws(KafkaWireError) -> [UInt8] {
        guard let value = try kafkaReadNullableBytes(compact: compact) else {
            throw KafkaWireError(.malformed, "null in non-nullable bytes")
        }
        return value
    }

    @inlinable
    package mutating func kafkaWriteBytes(_ value: [UInt8]?, compact: Bool) {
        kafkaWriteLength(value?.count, compact: compact, wide: true)
        if let value { writeBytes(value) }
    }

    /// Reads a `records` field as a slice of the input: no copy.
    @inlinable
    package mutating func kafkaReadRecords(compact: Bool) throws(KafkaWireError) -> ByteBuffer? {
        guard let length = try kafkaReadLength(compact: compact, wide: true) else { return nil }
        return readSlice(length: length)!
    }

    @inlinable
    package mutating func kafkaWriteRecords(_ value: ByteBuffer?, compact: Bool) {
        kafkaWriteLength(value?.readableBytes, compact: compact, wide: true)
        if let value { writeImmutableBuffer(value) }
    }

    // MARK: Arrays

    /// Reads an array count; `nil` means null. The count is bounded by the bytes left
    /// divided by the smallest encoding of one element, so a hostile count cannot make
    /// the decoder allocate beyond the frame it was given.
    @inlinable
    package mutating func kafkaReadArrayCount(compact: Bool, minElementSize: Int) throws(KafkaWireError) -> Int? {
        let count: Int
        if compact {
            let raw = try kafkaReadUnsignedVarint()
            if raw == 0 { return nil }
            count = Int(raw) - 1
        } else {
            count = Int(try kafkaReadInteger(as: Int32.self))
            if count == -1 { return nil }
        }
        guard count >= 0 else { throw KafkaWireError(.malformed, "negative array count \(count)") }
        guard count <= readableBytes / max(minElementSize, 1) else {
            throw KafkaWireError(.malformed, "array count \(count) exceeds remaining bytes")
        }
        return count
    }

    @inlinable
    package mutating func kafkaWriteArrayCount(_ count: Int?, compact: Bool) {
        if compact {
            kafkaWriteUnsignedVarint(count.map { UInt32($0) + 1 } ?? 0)
        } else {
            kafkaWriteInteger(Int32(count ?? -1))
        }
    }
}
