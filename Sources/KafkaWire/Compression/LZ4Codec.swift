import CCompression
import NIOCore

/// LZ4 as Kafka uses it for magic 2: the standard LZ4 *frame* format (the
/// 0x184D2204 magic), through liblz4's LZ4F API. The legacy block format and the
/// broken header checksum of magic 0/1 batches are not supported.
package enum LZ4Codec {
    package static func compress(_ input: UnsafeRawBufferPointer, into out: inout ByteBuffer) throws(KafkaWireError) {
        // 64 KiB independent blocks and no content size: what the Java client's
        // KafkaLZ4BlockOutputStream writes, so every Kafka decoder accepts it.
        var preferences = LZ4F_preferences_t()
        preferences.frameInfo.blockSizeID = LZ4F_max64KB
        preferences.frameInfo.blockMode = LZ4F_blockIndependent
        let bound = LZ4F_compressFrameBound(input.count, &preferences)
        var result = 0
        input.withNonNullBaseAddress { source in
            out.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { buffer in
                result = LZ4F_compressFrame(buffer.baseAddress, bound, source, input.count, &preferences)
                return LZ4F_isError(result) != 0 ? 0 : result
            }
        }
        if LZ4F_isError(result) != 0 {
            throw KafkaWireError(.compression, "lz4: \(String(cString: LZ4F_getErrorName(result)))")
        }
    }

    package static func decompress(
        _ input: UnsafeRawBufferPointer,
        maxOutputBytes: Int,
        into out: inout ByteBuffer
    ) throws(KafkaWireError) {
        var context: OpaquePointer?
        guard LZ4F_isError(LZ4F_createDecompressionContext(&context, UInt32(LZ4F_VERSION))) == 0 else {
            throw KafkaWireError(.compression, "lz4: cannot create a decompression context")
        }
        defer { LZ4F_freeDecompressionContext(context) }
        try input.withNonNullBaseAddress { (source) throws(KafkaWireError) in
            var budget = DecompressionBudget(maxOutputBytes: maxOutputBytes)
            var consumed = 0
            var hint = 1  // nonzero: a frame is expected
            while consumed < input.count || hint != 0 {
                let chunk = budget.nextChunk(inputCount: input.count)
                var taken = 0
                let written = out.writeWithUnsafeMutableBytes(minimumWritableBytes: chunk) { buffer in
                    var outputSize = min(buffer.count, chunk)
                    var inputSize = input.count - consumed
                    hint = LZ4F_decompress(context, buffer.baseAddress, &outputSize, source + consumed, &inputSize, nil)
                    taken = inputSize
                    return LZ4F_isError(hint) != 0 ? 0 : outputSize
                }
                if LZ4F_isError(hint) != 0 {
                    throw KafkaWireError(.compression, "lz4: \(String(cString: LZ4F_getErrorName(hint)))")
                }
                consumed += taken
                try budget.record(written)
                // A hint of 0 ends a frame; the context then starts on the next one.
                if hint != 0 && taken == 0 && written == 0 {
                    throw KafkaWireError(.compression, "lz4: frame ends early")
                }
            }
        }
    }
}
