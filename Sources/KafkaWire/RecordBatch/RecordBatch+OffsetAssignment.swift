import NIOCore

extension RecordBatch {
    /// Gives every batch of a validated `records` field its log offsets, in place:
    /// `baseOffset` from `firstOffset` on, consecutively, and `partitionLeaderEpoch`.
    /// Returns the offset after the last record (the next batch's base).
    ///
    /// Both fields lie outside the CRC, so nothing is recomputed. When `records`
    /// shares storage with the request frame, the first write copies it (once).
    public static func assignOffsets(
        in records: inout ByteBuffer,
        firstOffset: Int64,
        partitionLeaderEpoch: Int32
    ) throws(KafkaWireError) -> Int64 {
        typealias L = RecordBatchLayout
        var index = records.readerIndex
        var nextOffset = firstOffset
        while index < records.writerIndex {
            guard records.writerIndex - index >= RecordBatchHeader.size else {
                throw KafkaWireError(.corruptBatch, "incomplete record batch at byte \(index - records.readerIndex)")
            }
            let length = Int(records.getInteger(at: index + L.batchLength, as: Int32.self)!)
            let lastOffsetDelta = records.getInteger(at: index + L.lastOffsetDelta, as: Int32.self)!
            guard length >= RecordBatchHeader.size - L.logOverhead,
                length <= records.writerIndex - index - L.logOverhead, lastOffsetDelta >= 0
            else {
                throw KafkaWireError(.corruptBatch, "malformed record batch at byte \(index - records.readerIndex)")
            }
            records.setInteger(nextOffset, at: index + L.baseOffset)
            records.setInteger(partitionLeaderEpoch, at: index + L.partitionLeaderEpoch)
            nextOffset = nextOffset &+ Int64(lastOffsetDelta) &+ 1
            index += L.logOverhead + length
        }
        return nextOffset
    }
}
