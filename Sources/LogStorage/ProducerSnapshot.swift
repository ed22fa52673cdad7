/// The producer-state snapshot file `<offset>.snapshot`: the table as it was at
/// `offset`, so start-up replays only the batches after it.
///
/// Format (big-endian): "BWPS", version u16 = 1, offset i64, count u32, then per
/// producer: id i64, epoch i16, lastTimestamp i64, batch count u8, and per batch
/// firstSequence i32, lastSequence i32, firstOffset i64, lastOffset i64, timestamp
/// i64; then a CRC-32C of everything before it.
enum ProducerSnapshot {
    static let magic: UInt32 = 0x4257_5053
    static let suffix = ".snapshot"

    static func encode(_ table: ProducerStateTable, offset: Int64) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.appendBigEndian(magic)
        bytes.appendBigEndian(UInt16(1))
        bytes.appendBigEndian(offset)
        bytes.appendBigEndian(UInt32(table.entries.count))
        for (id, entry) in table.entries.sorted(by: { $0.key < $1.key }) {
            bytes.appendBigEndian(id)
            bytes.appendBigEndian(entry.epoch)
            bytes.appendBigEndian(entry.lastTimestamp)
            bytes.append(UInt8(entry.batches.count))
            for batch in entry.batches {
                bytes.appendBigEndian(batch.firstSequence)
                bytes.appendBigEndian(batch.lastSequence)
                bytes.appendBigEndian(batch.firstOffset)
                bytes.appendBigEndian(batch.lastOffset)
                bytes.appendBigEndian(batch.timestamp)
            }
        }
        bytes.appendBigEndian(bytes.withUnsafeBytes { CRC32CBridge.checksum($0) })
        return bytes
    }

    /// The table and its offset, or nil if the file is not a whole, valid snapshot.
    static func decode(_ bytes: [UInt8]) -> (table: ProducerStateTable, offset: Int64)? {
        guard bytes.count >= 22 else { return nil }
        let body = bytes.count - 4
        let crc: UInt32 = bytes.bigEndian(at: body)
        guard bytes.withUnsafeBytes({ CRC32CBridge.checksum(UnsafeRawBufferPointer(rebasing: $0[..<body])) }) == crc else { return nil }
        var reader = Reader(bytes: bytes, end: body)
        guard let magic: UInt32 = reader.read(), magic == Self.magic, let version: UInt16 = reader.read(), version == 1,
            let offset: Int64 = reader.read(), let count: UInt32 = reader.read()
        else { return nil }
        var table = ProducerStateTable()
        for _ in 0..<count {
            guard let id: Int64 = reader.read(), let epoch: Int16 = reader.read(), let lastTimestamp: Int64 = reader.read(),
                let batchCount: UInt8 = reader.read()
            else { return nil }
            var entry = ProducerStateTable.Entry(epoch: epoch, batches: [], lastTimestamp: lastTimestamp)
            for _ in 0..<batchCount {
                guard let first: Int32 = reader.read(), let last: Int32 = reader.read(), let firstOffset: Int64 = reader.read(),
                    let lastOffset: Int64 = reader.read(), let timestamp: Int64 = reader.read()
                else { return nil }
                entry.batches.append(.init(firstSequence: first, lastSequence: last, firstOffset: firstOffset, lastOffset: lastOffset, timestamp: timestamp))
            }
            table.entries[id] = entry
        }
        guard reader.position == body else { return nil }
        return (table, offset)
    }

    private struct Reader {
        let bytes: [UInt8]
        let end: Int
        var position = 0

        mutating func read<T: FixedWidthInteger>() -> T? {
            let size = MemoryLayout<T>.size
            guard end - position >= size else { return nil }
            defer { position += size }
            return bytes.bigEndian(at: position)
        }
    }
}
