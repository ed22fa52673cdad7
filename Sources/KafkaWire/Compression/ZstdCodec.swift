import CCompression
import NIOCore

/// Zstandard frames (RFC 8878). Decoding streams, since producers that compress
/// incrementally (zstd-jni's output stream) do not record the content size.
package enum ZstdCodec {
    /// zstd's own default level, and the Java client's.
    static let level: Int32 = 3

    package static func compress(_ input: UnsafeRawBufferPointer, into out: inout ByteBuffer) throws(KafkaWireError) {
        let bound = ZSTD_compressBound(input.count)
        var result = 0
        input.withNonNullBaseAddress { source in
            out.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { buffer in
                result = ZSTD_compress(buffer.baseAddress, bound, source, input.count, level)
                return ZSTD_isError(result) != 0 ? 0 : result
            }
        }
        if ZSTD_isError(result) != 0 {
            throw KafkaWireError(.compression, "zstd: \(String(cString: ZSTD_getErrorName(result)))")
        }
    }

    package static func decompress(
        _ input: UnsafeRawBufferPointer,
        maxOutputBytes: Int,
        into out: inout ByteBuffer
    ) throws(KafkaWireError) {
        guard let context = ZSTD_createDCtx() else {
            throw KafkaWireError(.compression, "zstd: cannot create a decompression context")
        }
        defer { ZSTD_freeDCtx(context) }
        // The frame header chooses the window the decoder allocates up front. Cap it
        // (zstd's default cap is 128 MiB) so a tiny hostile frame cannot claim that
        // much memory; 8 MiB still covers every streaming level up to 19.
        ZSTD_DCtx_setParameter(context, ZSTD_d_windowLogMax, windowLogMax(forOutput: maxOutputBytes))
        try input.withNonNullBaseAddress { (source) throws(KafkaWireError) in
            // A declared content size over the limit fails before any work.
            let declared = ZSTD_getFrameContentSize(source, input.count)
            if declared < UInt64.max - 1, declared > UInt64(max(maxOutputBytes, 0)) {
                throw DecompressionBudget.exceeded(maxOutputBytes)
            }
            var budget = DecompressionBudget(maxOutputBytes: maxOutputBytes)
            var inBuffer = ZSTD_inBuffer(src: source, size: input.count, pos: 0)
            var remaining = 1  // nonzero: a frame is expected
            while inBuffer.pos < inBuffer.size || remaining != 0 {
                let chunk = budget.nextChunk(inputCount: input.count)
                let before = inBuffer.pos
                let written = out.writeWithUnsafeMutableBytes(minimumWritableBytes: chunk) { buffer in
                    var outBuffer = ZSTD_outBuffer(dst: buffer.baseAddress, size: min(buffer.count, chunk), pos: 0)
                    remaining = ZSTD_decompressStream(context, &outBuffer, &inBuffer)
                    return ZSTD_isError(remaining) != 0 ? 0 : outBuffer.pos
                }
                if ZSTD_isError(remaining) != 0 {
                    throw KafkaWireError(.compression, "zstd: \(String(cString: ZSTD_getErrorName(remaining)))")
                }
                try budget.record(written)
                if remaining != 0 && written == 0 && inBuffer.pos == before {
                    throw KafkaWireError(.compression, "zstd: frame ends early")
                }
            }
        }
    }

    /// log2 of the largest window accepted: at least 8 MiB (streaming encoders
    /// declare windows larger than small outputs), at most zstd's default limit.
    static func windowLogMax(forOutput maxOutputBytes: Int) -> Int32 {
        let needed = Int32(Int.bitWidth - max(maxOutputBytes - 1, 1).leadingZeroBitCount)
        return min(max(needed, 23), 27)
    }
}
