import KafkaWire

/// The fuzzer's mutations: the usual byte-level ones plus the values that stress
/// length and count fields (0, -1, maxima, off-by-one).
enum FuzzMutations {
    static let count = 9

    static let interesting32: [Int32] = [0, 1, -1, -2, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, .max, .min, 61, 1 << 20]

    static func apply(_ kind: Int, to bytes: inout [UInt8], rng: inout SplitMix64, corpus: [FuzzInput]) {
        func position() -> Int { bytes.isEmpty ? 0 : Int(rng.next() % UInt64(bytes.count)) }
        switch kind {
        case 0 where !bytes.isEmpty: // flip a bit
            bytes[position()] ^= UInt8(1) << (rng.next() % 8)
        case 1 where !bytes.isEmpty: // set a byte to a boundary value
            bytes[position()] = [0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF][Int(rng.next() % 6)]
        case 2 where bytes.count >= 4: // overwrite an int32 (a length or count) with a boundary value
            let at = Int(rng.next() % UInt64(bytes.count - 3))
            let value = UInt32(bitPattern: interesting32[Int(rng.next() % UInt64(interesting32.count))])
            for k in 0..<4 { bytes[at + k] = UInt8(truncatingIfNeeded: value >> (24 - 8 * k)) }
        case 3 where bytes.count >= 2: // overwrite an int16
            let at = Int(rng.next() % UInt64(bytes.count - 1))
            let value = UInt16(truncatingIfNeeded: interesting32[Int(rng.next() % UInt64(interesting32.count))])
            bytes[at] = UInt8(value >> 8)
            bytes[at + 1] = UInt8(truncatingIfNeeded: value)
        case 4: // truncate
            bytes.removeLast(bytes.isEmpty ? 0 : Int(rng.next() % UInt64(bytes.count)) / 2 + 1)
        case 5: // insert random bytes
            let at = position()
            let n = 1 + Int(rng.next() % 8)
            bytes.insert(contentsOf: (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: at)
        case 6 where !bytes.isEmpty: // delete a range
            let at = position()
            bytes.removeSubrange(at..<min(bytes.count, at + 1 + Int(rng.next() % 16)))
        case 7 where !bytes.isEmpty: // duplicate a range
            let at = position()
            let slice = bytes[at..<min(bytes.count, at + 1 + Int(rng.next() % 32))]
            bytes.insert(contentsOf: slice, at: position())
        case 8: // splice the tail of another seed
            let other = corpus[Int(rng.next() % UInt64(corpus.count))].bytes
            guard !other.isEmpty else { return }
            let from = Int(rng.next() % UInt64(other.count))
            bytes = Array(bytes.prefix(position())) + other[from...]
        default:
            break
        }
    }

    /// Recomputes batchLength and the CRC of the first batch, so mutations reach the
    /// record and decompression code behind the checksum instead of stopping at it.
    static func repairBatchChecksums(_ bytes: inout [UInt8]) {
        guard bytes.count >= 61 else { return }
        let length = UInt32(bytes.count - 12)
        for k in 0..<4 { bytes[8 + k] = UInt8(truncatingIfNeeded: length >> (24 - 8 * k)) }
        let crc = bytes[21...].withUnsafeBytes { CRC32C.checksum($0) }
        for k in 0..<4 { bytes[17 + k] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * k)) }
    }
}
