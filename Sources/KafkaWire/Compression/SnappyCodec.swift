import CCompression
import NIOCore

/// Snappy as Kafka clients write it.
///
/// librdkafka writes one raw snappy block; the Java client (snappy-java's
/// `SnappyOutputStream`) writes the "xerial" framing: an 8-byte magic, two int32s
/// (version, compatible version), then blocks of `[int32 BE length][raw block]`.
/// Decoding accepts both, like librdkafka and Kafka do; encoding writes raw.
package enum SnappyCodec {
    /// `0x82 "SNAPPY" 0x00`: cannot start a sensible raw block (it would declare
    /// 10 626 bytes then a literal tag too short to fill them).
    static let xerialMagic: [UInt8] = [0x82, 0x53, 0x4E, 0x41, 0x50, 0x50, 0x59, 0x00]
    static let xerialHeaderSize = 16

    package static func compress(_ input: UnsafeRawBufferPointer, into out: inout ByteBuffer) throws(KafkaWireError) {
        let bound = snappy_max_compressed_length(input.count)
        var status = SNAPPY_OK
        input.withNonNullBaseAddress { source in
            out.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { buffer in
                var length = bound
                status = snappy_compress(
                    source.assumingMemoryBound(to: CChar.self),
                    input.count,
                    buffer.baseAddress!.assumingMemoryBound(to: CChar.self),
                    &length
                )
                return status == SNAPPY_OK ? length : 0
            }
        }
        guard status == SNAPPY_OK else {
            throw KafkaWireError(.compression, "snappy: compress failed (\(status.rawValue))")
        }
    }

    package static func decompress(
        _ input: UnsafeRawBufferPointer,
        maxOutputBytes: Int,
        into out: inout ByteBuffer
    ) throws(KafkaWireError) {
        var budget = DecompressionBudget(maxOutputBytes: maxOutputBytes)
        guard isXerialFramed(input) else {
            try decompressBlock(input, budget: &budget, into: &out)
            return
        }
        // Version and compatible version are not checked: snappy-java has only ever
        // written 1/1, and librdkafka ignores them too.
        var position = xerialHeaderSize
        while position < input.count {
            guard input.count - position >= 4 else {
                throw KafkaWireError(.compression, "snappy: xerial block length truncated")
            }
            let length = Int(Int32(bigEndianBytes: input, at: position))
            position += 4
            guard length >= 0, length <= input.count - position else {
                throw KafkaWireError(.compression, "snappy: xerial block of \(length) bytes overruns input")
            }
            let block = UnsafeRawBufferPointer(rebasing: input[position..<position + length])
            try decompressBlock(block, budget: &budget, into: &out)
            position += length
        }
    }

    static func isXerialFramed(_ input: UnsafeRawBufferPointer) -> Bool {
        input.count >= xerialHeaderSize && input.prefix(xerialMagic.count).elementsEqual(xerialMagic)
    }

    /// One raw block: its preamble states the output size, which is checked against
    /// the budget before anything is allocated.
    private static func decompressBlock(
        _ block: UnsafeRawBufferPointer,
        budget: inout DecompressionBudget,
        into out: inout ByteBuffer
    ) throws(KafkaWireError) {
        try block.withNonNullBaseAddress { (base) throws(KafkaWireError) in
            try decompressBlock(base.assumingMemoryBound(to: CChar.self), count: block.count, budget: &budget, into: &out)
        }
    }

    private static func decompressBlock(
        _ source: UnsafePointer<CChar>,
        count: Int,
        budget: inout DecompressionBudget,
        into out: inout ByteBuffer
    ) throws(KafkaWireError) {
        var length = 0
        guard snappy_uncompressed_length(source, count, &length) == SNAPPY_OK else {
            throw KafkaWireError(.compression, "snappy: invalid block preamble")
        }
        guard length <= budget.maxOutputBytes - budget.produced else {
            throw DecompressionBudget.exceeded(budget.maxOutputBytes)
        }
        var status = SNAPPY_OK
        let written = out.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { buffer in
            guard length > 0 else { return 0 }
            var produced = length
            status = snappy_uncompress(source, count, buffer.baseAddress!.assumingMemoryBound(to: CChar.self), &produced)
            return status == SNAPPY_OK ? produced : 0
        }
        guard status == SNAPPY_OK, written == length else {
            throw KafkaWireError(.compression, "snappy: corrupt block")
        }
        try budget.record(written)
    }
}

extension Int32 {
    /// Reads a big-endian int32 from raw bytes (no alignment needed).
    fileprivate init(bigEndianBytes bytes: UnsafeRawBufferPointer, at offset: Int) {
        self = Int32(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self))
    }
}
