import NIOCore

/// The fixed 61-byte header of a record batch v2 (magic 2).
///
/// Field order is the wire order. `batchLength` counts the bytes after itself
/// (total − 12); `crc` is CRC-32C over `attributes` through the end of the batch,
/// so `baseOffset` and `partitionLeaderEpoch` can be rewritten without recomputing it.
public struct RecordBatchHeader: Hashable, Sendable {
    /// Size of the header on the wire.
    public static let size = 61

    public var baseOffset: Int64
    public var batchLength: Int32
    public var partitionLeaderEpoch: Int32
    public var magic: Int8
    public var crc: UInt32
    public var attributes: Int16
    public var lastOffsetDelta: Int32
    public var baseTimestamp: Int64
    public var maxTimestamp: Int64
    public var producerId: Int64
    public var producerEpoch: Int16
    public var baseSequence: Int32
    public var recordsCount: Int32

    public init(
        baseOffset: Int64 = 0,
        batchLength: Int32 = Int32(RecordBatchHeader.size - RecordBatchLayout.logOverhead),
        partitionLeaderEpoch: Int32 = -1,
        magic: Int8 = 2,
        crc: UInt32 = 0,
        attributes: Int16 = 0,
        lastOffsetDelta: Int32 = -1,
        baseTimestamp: Int64 = -1,
        maxTimestamp: Int64 = -1,
        producerId: Int64 = -1,
        producerEpoch: Int16 = -1,
        baseSequence: Int32 = -1,
        recordsCount: Int32 = 0
    ) {
        self.baseOffset = baseOffset
        self.batchLength = batchLength
        self.partitionLeaderEpoch = partitionLeaderEpoch
        self.magic = magic
        self.crc = crc
        self.attributes = attributes
        self.lastOffsetDelta = lastOffsetDelta
        self.baseTimestamp = baseTimestamp
        self.maxTimestamp = maxTimestamp
        self.producerId = producerId
        self.producerEpoch = producerEpoch
        self.baseSequence = baseSequence
        self.recordsCount = recordsCount
    }

    /// Reads the header at absolute `index` of `buffer` without moving its indices.
    /// Only the length is checked here; validity is the validator's business.
    public init(from buffer: ByteBuffer, at index: Int) throws(KafkaWireError) {
        guard index >= buffer.readerIndex, buffer.writerIndex - index >= Self.size else {
            throw .truncated("record batch header")
        }
        typealias L = RecordBatchLayout
        self.init(
            baseOffset: buffer.getInteger(at: index + L.baseOffset)!,
            batchLength: buffer.getInteger(at: index + L.batchLength)!,
            partitionLeaderEpoch: buffer.getInteger(at: index + L.partitionLeaderEpoch)!,
            magic: buffer.getInteger(at: index + L.magic)!,
            crc: buffer.getInteger(at: index + L.crc)!,
            attributes: buffer.getInteger(at: index + L.attributes)!,
            lastOffsetDelta: buffer.getInteger(at: index + L.lastOffsetDelta)!,
            baseTimestamp: buffer.getInteger(at: index + L.baseTimestamp)!,
            maxTimestamp: buffer.getInteger(at: index + L.maxTimestamp)!,
            producerId: buffer.getInteger(at: index + L.producerId)!,
            producerEpoch: buffer.getInteger(at: index + L.producerEpoch)!,
            baseSequence: buffer.getInteger(at: index + L.baseSequence)!,
            recordsCount: buffer.getInteger(at: index + L.recordsCount)!
        )
    }

    /// Appends the 61 header bytes, as they are (the CRC is not recomputed).
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeMultipleIntegers(baseOffset, batchLength, partitionLeaderEpoch, magic, crc, attributes)
        buffer.writeMultipleIntegers(lastOffsetDelta, baseTimestamp, maxTimestamp, producerId)
        buffer.writeMultipleIntegers(producerEpoch, baseSequence, recordsCount)
    }

    /// The offset of the last record: `baseOffset + lastOffsetDelta`.
    public var lastOffset: Int64 { baseOffset &+ Int64(lastOffsetDelta) }

    /// Total bytes of the batch on the wire, header included.
    public var totalSize: Int { Int(batchLength) + RecordBatchLayout.logOverhead }
}

/// Byte offsets of the v2 batch header fields.
public enum RecordBatchLayout {
    public static let baseOffset = 0
    public static let batchLength = 8
    public static let partitionLeaderEpoch = 12
    public static let magic = 16
    public static let crc = 17
    public static let attributes = 21
    public static let lastOffsetDelta = 23
    public static let baseTimestamp = 27
    public static let maxTimestamp = 35
    public static let producerId = 43
    public static let producerEpoch = 51
    public static let baseSequence = 53
    public static let recordsCount = 57
    public static let records = 61

    /// `baseOffset` + `batchLength`: the prefix every log entry format shares.
    public static let logOverhead = 12
    /// The CRC covers `attributes` to the end of the batch.
    public static let crcStart = attributes
    /// Smallest legal `batchLength` of any format (a v0 message): Kafka's framing minimum.
    public static let minimumEntryLength = 14
}
