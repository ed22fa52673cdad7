import NIOCore

/// A tagged field this codec does not know, kept so that a message decodes and
/// re-encodes to the same bytes.
public struct TaggedField: Hashable, Sendable {
    public var tag: UInt32
    public var data: [UInt8]

    public init(tag: UInt32, data: [UInt8]) {
        self.tag = tag
        self.data = data
    }
}

extension ByteBuffer {
    /// Writes a tagged field whose body is produced by `body`, prefixed by tag and size.
    @inlinable
    package mutating func kafkaWriteTaggedField(
        tag: UInt32,
        _ body: (inout ByteBuffer) throws(KafkaWireError) -> Void
    ) throws(KafkaWireError) {
        var scratch = ByteBuffer()
        try body(&scratch)
        kafkaWriteUnsignedVarint(tag)
        kafkaWriteUnsignedVarint(UInt32(scratch.readableBytes))
        writeImmutableBuffer(scratch)
    }

    /// Writes the unknown tagged fields kept from decoding.
    @inlinable
    package mutating func kafkaWriteUnknownTaggedFields(_ fields: [TaggedField]) {
        for field in fields {
            kafkaWriteUnsignedVarint(field.tag)
            kafkaWriteUnsignedVarint(UInt32(field.data.count))
            writeBytes(field.data)
        }
    }

    /// Reads the header of the tagged-field section: the field count.
    /// Each field needs at least two bytes, which bounds the count.
    @inlinable
    package mutating func kafkaReadTaggedFieldCount() throws(KafkaWireError) -> Int {
        let count = Int(try kafkaReadUnsignedVarint())
        guard count <= readableBytes / 2 else {
            throw KafkaWireError(.malformed, "tagged field count \(count) exceeds remaining bytes")
        }
        return count
    }

    /// Reads one tagged field's tag and body slice.
    @inlinable
    package mutating func kafkaReadTaggedField() throws(KafkaWireError) -> (tag: UInt32, body: ByteBuffer) {
        let tag = try kafkaReadUnsignedVarint()
        let size = Int(try kafkaReadUnsignedVarint())
        guard let body = readSlice(length: size) else { throw .truncated("tagged field") }
        return (tag, body)
    }
}

extension TaggedField {
    @inlinable
    package init(tag: UInt32, body: ByteBuffer) {
        self.init(tag: tag, data: Array(body.readableBytesView))
    }
}
