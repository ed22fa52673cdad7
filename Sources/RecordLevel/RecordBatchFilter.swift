import KafkaWire
import NIOCore
import PolicyEngine

/// What one filtered read did, for the audit log.
public struct RecordLevelSummary: Sendable, Equatable {
    public var records = 0
    public var returned = 0
    /// Removed by the row filter.
    public var filtered = 0
    /// Returned with at least one field masked.
    public var masked = 0
    /// Removed because a JSON mask met a value that is not JSON (`NonJSONAction.drop`).
    public var droppedNotJSON = 0
    /// Batches that could not be decoded: sent as empty headers, their records withheld.
    public var unreadableBatches = 0
    public var rewrittenBatches = 0
    /// Masked records per data-mask policy id.
    public var maskedByPolicy: [Int64: Int] = [:]

    public init() {}

    public mutating func add(_ other: RecordLevelSummary) {
        records += other.records; returned += other.returned; filtered += other.filtered; masked += other.masked
        droppedNotJSON += other.droppedNotJSON; unreadableBatches += other.unreadableBatches
        rewrittenBatches += other.rewrittenBatches
        maskedByPolicy.merge(other.maskedByPolicy, uniquingKeysWith: +)
    }
}

/// Rewrites fetched record batches for one principal: records the row filter rejects are
/// removed, masked fields replaced. A changed batch is re-encoded with its original codec
/// and a new CRC, keeping `baseOffset`, `lastOffsetDelta`, the producer fields and every
/// surviving record's offset and timestamp deltas, so offsets keep their gaps exactly as
/// after compaction. A batch left empty is sent as a bare 61-byte header (uncompressed,
/// as Kafka's compaction writes one): the consumer still advances past its last offset.
/// Unchanged batches are passed through byte for byte.
public enum RecordBatchFilter {
    /// Decompression bound per batch (the log only holds batches it validated).
    public static let maxUncompressedBytes = 256 << 20

    public static func apply(_ plan: RecordLevelPlan, to records: ByteBuffer) -> (ByteBuffer, RecordLevelSummary) {
        var summary = RecordLevelSummary()
        var out = ByteBuffer()
        out.reserveCapacity(records.readableBytes)
        var iterator = RecordBatchIterator(records)
        while true {
            let element: RecordBatchIterator.Element?
            do { element = try iterator.next() } catch { break }  // the store CRC-checked it; never pass what we cannot read
            guard let element else { break }
            guard case .batch(let batch) = element else { break }  // an incomplete tail is withheld: it may hold filtered records
            if batch.header.isControl {
                out.writeImmutableBuffer(batch.bytes)  // transaction markers carry no user data
                continue
            }
            filter(batch, plan, into: &out, &summary)
        }
        return (out, summary)
    }

    static func filter(_ batch: RecordBatch, _ plan: RecordLevelPlan, into out: inout ByteBuffer, _ summary: inout RecordLevelSummary) {
        let header = batch.header
        let decoded: [Record]
        do {
            decoded = try batch.decodeRecords(maxUncompressedBytes: maxUncompressedBytes)
        } catch {
            summary.unreadableBatches += 1
            writeBatch(header, [], into: &out)
            return
        }
        summary.records += decoded.count
        var kept: [Record] = []
        kept.reserveCapacity(decoded.count)
        var changed = false
        for record in decoded {
            let timestamp = header.timestampType == .logAppendTime ? header.maxTimestamp : header.timestamp(of: record)
            var view = RecordView(record: record, timestamp: timestamp, trie: plan.trie)
            if let filter = plan.rules.filter, !filter.expression.matches(&view) {
                summary.filtered += 1
                changed = true
                continue
            }
            switch RecordMasker.mask(record, &view, plan) {
            case .unchanged:
                kept.append(record)
            case .masked(let masked, let policies):
                kept.append(masked)
                summary.masked += 1
                for id in policies { summary.maskedByPolicy[id, default: 0] += 1 }
                changed = true
            case .drop:
                summary.droppedNotJSON += 1
                changed = true
            }
        }
        summary.returned += kept.count
        guard changed else {
            out.writeImmutableBuffer(batch.bytes)
            return
        }
        summary.rewrittenBatches += 1
        writeBatch(header, kept, into: &out)
    }

    /// Encodes `records` under `original`'s header fields (codec, producer, offsets,
    /// timestamps), with a new length, count and CRC. No records: a bare header.
    static func writeBatch(_ original: RecordBatchHeader, _ records: [Record], into out: inout ByteBuffer) {
        var header = original
        header.recordsCount = Int32(records.count)
        header.crc = 0
        if records.isEmpty { header.compression = CompressionCodec.none }
        let start = out.writerIndex
        header.encode(into: &out)
        if !records.isEmpty {
            var plain = ByteBuffer()
            plain.reserveCapacity(records.count * 64)
            for record in records { record.encode(into: &plain) }
            do {
                try (original.compression ?? CompressionCodec.none).compress(plain, into: &out)
            } catch {
                // Cannot recompress: withhold the records rather than send them in the clear.
                out.moveWriterIndex(to: start)
                writeBatch(original, [], into: &out)
                return
            }
        }
        out.setInteger(Int32(out.writerIndex - start - RecordBatchLayout.logOverhead), at: start + RecordBatchLayout.batchLength)
        let crcStart = start + RecordBatchLayout.crcStart
        out.setInteger(CRC32C.checksum(out, at: crcStart, length: out.writerIndex - crcStart)!, at: start + RecordBatchLayout.crc)
    }
}
