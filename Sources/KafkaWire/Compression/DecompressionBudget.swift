/// Output accounting for a streaming decompressor.
///
/// The decoder is always offered one byte more than the budget allows, so a stream
/// that would overrun is detected (and refused) instead of being cut silently.
struct DecompressionBudget {
    let maxOutputBytes: Int
    private(set) var produced = 0

    /// ByteBuffer indices are 32-bit, and no records section can exceed the int32
    /// batch length, so larger limits are clamped to that.
    static let ceiling = Int(Int32.max)

    init(maxOutputBytes: Int) {
        self.maxOutputBytes = min(max(maxOutputBytes, 0), Self.ceiling)
    }

    /// How many bytes to offer the decoder next: a guess from the input size at
    /// first, then doubling (as the ByteBuffer grows anyway), capped by the budget.
    func nextChunk(inputCount: Int) -> Int {
        let wanted = produced == 0 ? max(inputCount &* 4, 4096) : max(produced, 4096)
        return min(wanted, maxOutputBytes - produced + 1)
    }

    mutating func record(_ count: Int) throws(KafkaWireError) {
        produced += count
        if produced > maxOutputBytes { throw Self.exceeded(maxOutputBytes) }
    }

    static func exceeded(_ limit: Int) -> KafkaWireError {
        KafkaWireError(.limitExceeded, "decompressed data exceeds \(limit) bytes")
    }
}
