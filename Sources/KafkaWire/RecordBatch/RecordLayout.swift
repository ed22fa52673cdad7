/// Where the parts of one record lie, as offsets into the bytes it was read from.
///
/// Reading a layout checks the whole record (lengths, header structure, exact
/// length match) without allocating; decoding a `Record` is then slicing.
struct RecordLayout {
    var attributes: Int8
    var timestampDelta: Int64
    var offsetDelta: Int32
    var key: Range<Int>?
    var value: Range<Int>?
    var headerCount: Int
    /// The header entries, after the count.
    var headers: Range<Int>
}

extension RawBytesReader {
    /// Reads one record: `length varint` then exactly `length` bytes of body.
    mutating func readRecordLayout() throws(KafkaWireError) -> RecordLayout {
        let length = Int(try readVarint())
        guard length >= 0 else { throw KafkaWireError(.malformed, "negative record length \(length)") }
        guard length <= remaining else { throw .truncated("record") }
        let recordEnd = position + length
        var body = RawBytesReader(bytes, position: position, end: recordEnd)
        let attributes = Int8(bitPattern: try body.readByte())
        let timestampDelta = try body.readVarlong()
        let offsetDelta = try body.readVarint()
        let key = try body.readNullableBytesRange("key")
        let value = try body.readNullableBytesRange("value")
        let headerCount = Int(try body.readVarint())
        guard headerCount >= 0 else {
            throw KafkaWireError(.malformed, "negative header count \(headerCount)")
        }
        let headersStart = body.position
        // Each header takes at least two bytes, so a huge count fails fast on
        // truncation instead of looping.
        for _ in 0..<headerCount {
            guard try body.readNullableBytesRange("header key") != nil else {
                throw KafkaWireError(.malformed, "null header key")
            }
            _ = try body.readNullableBytesRange("header value")
        }
        guard body.position == recordEnd else {
            throw KafkaWireError(.malformed, "record length \(length) but fields end after \(body.position - position)")
        }
        let layout = RecordLayout(
            attributes: attributes,
            timestampDelta: timestampDelta,
            offsetDelta: offsetDelta,
            key: key,
            value: value,
            headerCount: headerCount,
            headers: headersStart..<recordEnd
        )
        position = recordEnd
        return layout
    }
}
