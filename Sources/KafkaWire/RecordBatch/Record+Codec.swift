import NIOCore

extension Record {
    /// Decodes one record from the reader index of `buffer`, slicing key, value and
    /// header values out of it.
    package static func decode(from buffer: inout ByteBuffer) throws(KafkaWireError) -> Record {
        let base = buffer.readerIndex
        let (record, length) = try buffer.withUnsafeReadableBytes { (bytes) throws(KafkaWireError) in
            var reader = RawBytesReader(bytes)
            let layout = try reader.readRecordLayout()
            return (try Record(layout: layout, bytes: bytes, buffer: buffer, base: base), reader.position)
        }
        buffer.moveReaderIndex(forwardBy: length)
        return record
    }

    /// Builds a record from a checked layout; `base` is the absolute index of byte 0.
    init(layout: RecordLayout, bytes: UnsafeRawBufferPointer, buffer: ByteBuffer, base: Int) throws(KafkaWireError) {
        func slice(_ range: Range<Int>?) -> ByteBuffer? {
            range.map { buffer.getSlice(at: base + $0.lowerBound, length: $0.count)! }
        }
        var headers: [RecordHeader] = []
        if layout.headerCount > 0 {
            headers.reserveCapacity(layout.headerCount)
            var reader = RawBytesReader(bytes, position: layout.headers.lowerBound, end: layout.headers.upperBound)
            for _ in 0..<layout.headerCount {
                let keyRange = try reader.readNullableBytesRange("header key") ?? 0..<0
                let key = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[keyRange]), as: UTF8.self)
                headers.append(RecordHeader(key: key, value: slice(try reader.readNullableBytesRange("header value"))))
            }
        }
        self.init(
            attributes: layout.attributes,
            timestampDelta: layout.timestampDelta,
            offsetDelta: layout.offsetDelta,
            key: slice(layout.key),
            value: slice(layout.value),
            headers: headers
        )
    }

    /// Appends the record: length prefix, then the body.
    package func encode(into buffer: inout ByteBuffer) {
        buffer.kafkaWriteVarint(Int32(truncatingIfNeeded: bodySize))
        buffer.writeInteger(attributes)
        buffer.kafkaWriteVarlong(timestampDelta)
        buffer.kafkaWriteVarint(offsetDelta)
        Self.writeNullable(key, into: &buffer)
        Self.writeNullable(value, into: &buffer)
        buffer.kafkaWriteVarint(Int32(truncatingIfNeeded: headers.count))
        for header in headers {
            buffer.kafkaWriteVarint(Int32(truncatingIfNeeded: header.key.utf8.count))
            buffer.writeString(header.key)
            Self.writeNullable(header.value, into: &buffer)
        }
    }

    /// Bytes after the length prefix.
    var bodySize: Int {
        var size = 1 + ZigZagVarint.size(timestampDelta) + ZigZagVarint.size(offsetDelta)
        size += Self.nullableSize(key) + Self.nullableSize(value) + ZigZagVarint.size(Int64(headers.count))
        for header in headers {
            let keyLength = header.key.utf8.count
            size += ZigZagVarint.size(Int64(keyLength)) + keyLength + Self.nullableSize(header.value)
        }
        return size
    }

    /// Bytes including the length prefix.
    var encodedSize: Int {
        let body = bodySize
        return ZigZagVarint.size(Int64(body)) + body
    }

    private static func nullableSize(_ bytes: ByteBuffer?) -> Int {
        guard let bytes else { return 1 }
        return ZigZagVarint.size(Int64(bytes.readableBytes)) + bytes.readableBytes
    }

    private static func writeNullable(_ bytes: ByteBuffer?, into buffer: inout ByteBuffer) {
        guard let bytes else {
            buffer.kafkaWriteVarint(-1)
            return
        }
        buffer.kafkaWriteVarint(Int32(truncatingIfNeeded: bytes.readableBytes))
        buffer.writeImmutableBuffer(bytes)
    }
}
