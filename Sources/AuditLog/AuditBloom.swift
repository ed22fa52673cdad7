/// A 2048-bit Bloom filter with three probes: "this block may hold principal P". One per
/// index block for principals and one for resources; a miss lets a query skip the block.
struct AuditBloom: Hashable {
    static let words = 32
    var bits = [UInt64](repeating: 0, count: words)

    /// FNV-1a over the bytes; two halves give the probes (Kirsch–Mitzenmacher).
    static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0xcbf2_9ce4_8422_2325) -> UInt64 {
        var h = seed
        for b in bytes {
            h ^= UInt64(b)
            h &*= 0x100_0000_01b3
        }
        return h
    }

    static func hash(_ string: String) -> UInt64 {
        var s = string
        return s.withUTF8 { hash(UnsafeRawBufferPointer($0)) }
    }

    /// The hash of `type:name` without building the string.
    static func resourceHash(type: UnsafeRawBufferPointer, name: UnsafeRawBufferPointer) -> UInt64 {
        var h = hash(type)
        h ^= UInt64(UInt8(ascii: ":"))
        h &*= 0x100_0000_01b3
        return hash(name, seed: h)
    }

    mutating func insert(_ h: UInt64) {
        let h1 = h & 0xffff_ffff, h2 = (h >> 32) | 1
        for i in 0..<UInt64(3) {
            let bit = Int((h1 &+ i &* h2) % 2048)
            bits[bit >> 6] |= 1 << UInt64(bit & 63)
        }
    }

    func mayContain(_ h: UInt64) -> Bool {
        let h1 = h & 0xffff_ffff, h2 = (h >> 32) | 1
        for i in 0..<UInt64(3) {
            let bit = Int((h1 &+ i &* h2) % 2048)
            if bits[bit >> 6] & (1 << UInt64(bit & 63)) == 0 { return false }
        }
        return true
    }
}
