import NIOCore

/// The compression of a record batch: bits 0–2 of the batch attributes.
///
/// Values 5–7 are reserved; `init(batchAttributes:)` returns `nil` for them so the
/// validator can answer `UNSUPPORTED_COMPRESSION_TYPE`.
public enum CompressionCodec: Int16, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    case none = 0
    case gzip = 1
    case snappy = 2
    case lz4 = 3
    case zstd = 4

    /// The codec named by the low three bits of `batchAttributes`, or `nil` if reserved.
    @inlinable
    public init?(batchAttributes: Int16) {
        self.init(rawValue: batchAttributes & 0x7)
    }

    public var description: String {
        switch self {
        case .none: "none"
        case .gzip: "gzip"
        case .snappy: "snappy"
        case .lz4: "lz4"
        case .zstd: "zstd"
        }
    }

    /// Compresses `input` and appends the result to `out`.
    public func compress(_ input: UnsafeRawBufferPointer, into out: inout ByteBuffer) throws(KafkaWireError) {
        switch self {
        case .none: out.writeBytes(input)
        case .gzip: try GzipCodec.compress(input, into: &out)
        case .snappy: try SnappyCodec.compress(input, into: &out)
        case .lz4: try LZ4Codec.compress(input, into: &out)
        case .zstd: try ZstdCodec.compress(input, into: &out)
        }
    }

    /// Compresses the readable bytes of `input` and appends the result to `out`.
    public func compress(_ input: ByteBuffer, into out: inout ByteBuffer) throws(KafkaWireError) {
        try input.withUnsafeReadableBytes { (bytes) throws(KafkaWireError) in
            try compress(bytes, into: &out)
        }
    }

    /// Decompresses `input` and appends the result to `out`.
    ///
    /// Input is hostile: the output never grows past `maxOutputBytes` (a small
    /// compressed blob can claim gigabytes), and malformed input throws
    /// `.compression`; too much output throws `.limitExceeded`. On a throw `out` is
    /// left as it was.
    public func decompress(
        _ input: UnsafeRawBufferPointer,
        maxOutputBytes: Int,
        into out: inout ByteBuffer
    ) throws(KafkaWireError) {
        let writerIndex = out.writerIndex
        do throws(KafkaWireError) {
            switch self {
            case .none:
                guard input.count <= min(maxOutputBytes, DecompressionBudget.ceiling) else {
                    throw DecompressionBudget.exceeded(maxOutputBytes)
                }
                out.writeBytes(input)
            case .gzip: try GzipCodec.decompress(input, maxOutputBytes: maxOutputBytes, into: &out)
            case .snappy: try SnappyCodec.decompress(input, maxOutputBytes: maxOutputBytes, into: &out)
            case .lz4: try LZ4Codec.decompress(input, maxOutputBytes: maxOutputBytes, into: &out)
            case .zstd: try ZstdCodec.decompress(input, maxOutputBytes: maxOutputBytes, into: &out)
            }
        } catch {
            out.moveWriterIndex(to: writerIndex)
            throw error
        }
    }

    /// Decompresses the readable bytes of `input` and appends the result to `out`.
    public func decompress(
        _ input: ByteBuffer,
        maxOutputBytes: Int,
        into out: inout ByteBuffer
    ) throws(KafkaWireError) {
        try input.withUnsafeReadableBytes { (bytes) throws(KafkaWireError) in
            try decompress(bytes, maxOutputBytes: maxOutputBytes, into: &out)
        }
    }
}
