/// Little-endian appends to a byte array: the on-disk encoding is written through these.
extension Array where Element == UInt8 {
    @inline(__always) mutating func appendLE<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    /// A u32 length and the UTF-8 bytes, cut at `limit` bytes so a record stays bounded.
    mutating func appendString(_ string: String, limit: Int) {
        var s = string  // withUTF8 may make a bridged string contiguous, hence the copy
        s.withUTF8 { p in
            let n = Swift.min(p.count, limit)
            appendLE(UInt32(n))
            append(contentsOf: UnsafeBufferPointer(rebasing: p[0..<n]))
        }
    }
}

/// A bounds-checked little-endian reader over bytes that may be hostile.
struct ByteReader {
    let base: UnsafeRawBufferPointer
    var offset: Int
    let end: Int

    init(_ base: UnsafeRawBufferPointer, from: Int, to: Int) {
        self.base = base
        self.offset = from
        self.end = to
    }

    var remaining: Int { end - offset }

    mutating func read<T: FixedWidthInteger>(_: T.Type) throws(AuditLogError) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw AuditLogError(.corrupt, "record ends inside a field") }
        let value = T(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: T.self))
        offset += size
        return value
    }

    mutating func readBytes(_ count: Int) throws(AuditLogError) -> UnsafeRawBufferPointer {
        guard count >= 0, remaining >= count else { throw AuditLogError(.corrupt, "record ends inside a field") }
        let slice = UnsafeRawBufferPointer(rebasing: base[offset..<(offset + count)])
        offset += count
        return slice
    }

    mutating func readString() throws(AuditLogError) -> String {
        let count = Int(try read(UInt32.self))
        let bytes = try readBytes(count)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The bytes of a length-prefixed string, without making a String (for filters).
    mutating func readStringBytes() throws(AuditLogError) -> UnsafeRawBufferPointer {
        let count = Int(try read(UInt32.self))
        return try readBytes(count)
    }
}
