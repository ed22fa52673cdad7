import CCompression
import NIOCore

/// gzip (RFC 1952) over zlib, as Kafka's `gzip` codec: a deflate stream with the
/// gzip header and CRC-32 trailer. Decoding accepts several concatenated members,
/// which is what `cat a.gz b.gz` and some writers produce.
package enum GzipCodec {
    package static func compress(_ input: UnsafeRawBufferPointer, into out: inout ByteBuffer) throws(KafkaWireError) {
        guard input.count <= Int(UInt32.max) else {
            throw KafkaWireError(.compression, "gzip input of \(input.count) bytes is too large")
        }
        var stream = z_stream()
        guard bulwark_deflate_init_gzip(&stream, Z_DEFAULT_COMPRESSION) == Z_OK else {
            throw KafkaWireError(.compression, "gzip: deflateInit2 failed")
        }
        defer { deflateEnd(&stream) }
        // zlib reads through a mutable pointer but does not write the input.
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)
        // deflateBound covers the gzip wrapper, so one deflate(Z_FINISH) suffices.
        let bound = Int(deflateBound(&stream, uLong(input.count)))
        var status = Z_OK
        out.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { buffer in
            stream.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(bound)
            status = deflate(&stream, Z_FINISH)
            return bound - Int(stream.avail_out)
        }
        guard status == Z_STREAM_END else {
            throw KafkaWireError(.compression, "gzip: deflate failed (\(status))")
        }
    }

    package static func decompress(
        _ input: UnsafeRawBufferPointer,
        maxOutputBytes: Int,
        into out: inout ByteBuffer
    ) throws(KafkaWireError) {
        guard input.count <= Int(UInt32.max) else {
            throw KafkaWireError(.compression, "gzip input of \(input.count) bytes is too large")
        }
        var stream = z_stream()
        guard bulwark_inflate_init_gzip(&stream) == Z_OK else {
            throw KafkaWireError(.compression, "gzip: inflateInit2 failed")
        }
        defer { inflateEnd(&stream) }
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)
        var budget = DecompressionBudget(maxOutputBytes: maxOutputBytes)
        while true {
            let chunk = budget.nextChunk(inputCount: input.count)
            let availableBefore = stream.avail_in
            var status = Z_OK
            let written = out.writeWithUnsafeMutableBytes(minimumWritableBytes: chunk) { buffer in
                let capacity = min(buffer.count, chunk)
                stream.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(capacity)
                status = inflate(&stream, Z_NO_FLUSH)
                return capacity - Int(stream.avail_out)
            }
            try budget.record(written)
            switch status {
            case Z_STREAM_END:
                if stream.avail_in == 0 { return }
                // Another gzip member follows.
                guard inflateReset(&stream) == Z_OK else {
                    throw KafkaWireError(.compression, "gzip: inflateReset failed")
                }
            case Z_OK, Z_BUF_ERROR:
                // Z_BUF_ERROR means no progress was possible: with output room
                // offered, that is input ending inside the stream.
                if written == 0 && (stream.avail_in == 0 || stream.avail_in == availableBefore) {
                    throw KafkaWireError(.compression, "gzip: stream ends early")
                }
            default:
                throw KafkaWireError(.compression, "gzip: corrupt stream (\(status))")
            }
        }
    }
}
