/// The on-disk frame around one record batch in a segment file.
///
/// File bytes are not wire bytes: every batch is stored inside a frame so that a
/// later format can hold it sealed (encryption at rest) without changing how
/// segments are indexed, recovered or scanned. The header repeats, in the clear,
/// what recovery, indexing, retention and producer-state replay need, so none of
/// them ever has to open the body.
///
/// Layout (big-endian, 48 bytes, then the body):
///
/// | off | field | |
/// |---|---|---|
/// | 0 | frameLength u32 | bytes after this field: 44 + body |
/// | 4 | crc u32 | CRC-32C of bytes 8 … end of frame (header rest and body) |
/// | 8 | format u8 | 1 = plain batch; 2 = sealed batch (envelope below) |
/// | 9 | reserved u8 | 0 |
/// | 10 | producerEpoch i16 | |
/// | 12 | baseOffset i64 | |
/// | 20 | lastOffsetDelta i32 | |
/// | 24 | wireLength i32 | size of the batch on the wire (the body once opened) |
/// | 28 | baseSequence i32 | |
/// | 32 | maxTimestamp i64 | after LogAppendTime, as served |
/// | 40 | producerId i64 | |
///
/// Plain body: the wire batch, offsets assigned. Sealed body (encryption at rest,
/// `PartitionLog+Seal`): keyId u32, nonce (12 bytes), AES-256-GCM ciphertext of the
/// wire batch (wireLength bytes), tag (16 bytes). Its associated data is the topic,
/// the partition, the segment's base offset and header bytes 8…47 (format to
/// producerId; not the length, implied by wireLength and format, nor the CRC, which
/// covers the ciphertext and so cannot be inside it). The frame CRC covers everything
/// but its own length field, so recovery can check a sealed frame without its key.
struct FrameHeader: Hashable, Sendable {
    static let size = 48
    /// Bytes of a frame after its length field that are header.
    static let headerAfterLength = size - 4

    enum Format: UInt8 {
        case plain = 1
        case sealed = 2
    }

    var frameLength: UInt32
    var crc: UInt32
    var format: UInt8
    var producerEpoch: Int16
    var baseOffset: Int64
    var lastOffsetDelta: Int32
    var wireLength: Int32
    var baseSequence: Int32
    var maxTimestamp: Int64
    var producerId: Int64

    /// Bytes of the whole frame in the file.
    var frameSize: Int { 4 + Int(frameLength) }
    var bodyLength: Int { Int(frameLength) - Self.headerAfterLength }
    var lastOffset: Int64 { baseOffset + Int64(lastOffsetDelta) }
    var nextOffset: Int64 { lastOffset + 1 }
    var recordCount: Int64 { Int64(lastOffsetDelta) + 1 }

    /// The header fields, without the CRC (computed over them and the body later).
    func encode(into raw: UnsafeMutableRawBufferPointer) {
        raw.storeBytes(of: frameLength.bigEndian, toByteOffset: 0, as: UInt32.self)
        raw.storeBytes(of: crc.bigEndian, toByteOffset: 4, as: UInt32.self)
        raw.storeBytes(of: format, toByteOffset: 8, as: UInt8.self)
        raw.storeBytes(of: 0, toByteOffset: 9, as: UInt8.self)
        raw.storeBytes(of: producerEpoch.bigEndian, toByteOffset: 10, as: Int16.self)
        raw.storeBytes(of: baseOffset.bigEndian, toByteOffset: 12, as: Int64.self)
        raw.storeBytes(of: lastOffsetDelta.bigEndian, toByteOffset: 20, as: Int32.self)
        raw.storeBytes(of: wireLength.bigEndian, toByteOffset: 24, as: Int32.self)
        raw.storeBytes(of: baseSequence.bigEndian, toByteOffset: 28, as: Int32.self)
        raw.storeBytes(of: maxTimestamp.bigEndian, toByteOffset: 32, as: Int64.self)
        raw.storeBytes(of: producerId.bigEndian, toByteOffset: 40, as: Int64.self)
    }

    /// Parses the header at `offset` of `raw`; nil when fewer than 48 bytes remain or
    /// the fields are impossible (which is how a torn or zeroed tail shows itself).
    static func parse(_ raw: UnsafeRawBufferPointer, at offset: Int) -> FrameHeader? {
        guard offset >= 0, raw.count - offset >= size else { return nil }
        func load<T: FixedWidthInteger>(_ at: Int, _: T.Type) -> T {
            T(bigEndian: raw.loadUnaligned(fromByteOffset: offset + at, as: T.self))
        }
        let header = FrameHeader(
            frameLength: load(0, UInt32.self), crc: load(4, UInt32.self), format: load(8, UInt8.self),
            producerEpoch: load(10, Int16.self), baseOffset: load(12, Int64.self),
            lastOffsetDelta: load(20, Int32.self), wireLength: load(24, Int32.self),
            baseSequence: load(28, Int32.self), maxTimestamp: load(32, Int64.self), producerId: load(40, Int64.self)
        )
        // The reserved byte is checked too: a non-zero one is garbage, not a frame.
        return header.isPlausible && load(9, UInt8.self) == 0 ? header : nil
    }

    private var isPlausible: Bool {
        guard lastOffsetDelta >= 0, baseOffset >= 0, wireLength >= 61 else { return false }
        switch Format(rawValue: format) {
        case .plain: return Int(frameLength) == Self.headerAfterLength + Int(wireLength)
        case .sealed: return Int(frameLength) == Self.headerAfterLength + SealedEnvelope.overhead + Int(wireLength)
        case nil: return false
        }
    }

    /// Whether the CRC matches the frame whose first byte is at `offset` of `raw`
    /// (the whole frame must be in `raw`).
    static func checksumMatches(_ raw: UnsafeRawBufferPointer, at offset: Int, header: FrameHeader) -> Bool {
        let start = offset + 8
        let length = header.frameSize - 8
        guard start + length <= raw.count else { return false }
        return CRC32CBridge.checksum(UnsafeRawBufferPointer(rebasing: raw[start..<(start + length)])) == header.crc
    }
}

/// Sizes of the sealed envelope, fixed now so that the frame format need not change.
enum SealedEnvelope {
    static let keyIdSize = 4
    static let nonceSize = 12
    static let tagSize = 16
    static let overhead = keyIdSize + nonceSize + tagSize
}
