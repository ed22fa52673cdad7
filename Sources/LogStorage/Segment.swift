/// One segment of a partition: `<baseOffset>.log` with its `.index` and `.timeindex`.
///
/// A value kept inside the partition's lock. The sparse indexes live in two parts:
/// entries already written to the index files (loaded lazily, only when a read or
/// a timestamp search needs them) and pending entries whose frames are not yet
/// fsynced, which reach the files only after the fsync that covers them.
struct Segment: Sendable {
    let baseOffset: Int64
    let directory: String

    /// Bytes of complete frames: readers never look past this.
    var size: Int64 = 0
    /// The offset after the last record in this segment.
    var nextOffset: Int64
    /// Bytes known to be on disk, and the offset after the last record in them.
    var flushedSize: Int64 = 0
    var flushedNextOffset: Int64

    var persistedIndex: OffsetIndex?
    var persistedIndexCount = 0
    var pendingIndex: [OffsetIndex.Entry] = []
    var persistedTimeIndex: TimeIndex?
    var persistedTimeCount = 0
    var pendingTime: [TimeIndex.Entry] = []
    var lastTimeEntryTimestamp: Int64 = -1
    var bytesSinceIndexEntry = 0

    /// Largest batch timestamp and the base offset of the batch that first reached it.
    var maxTimestamp: Int64 = -1
    var offsetOfMaxTimestamp: Int64 = -1
    /// segment.ms counts from the first batch's timestamp (Kafka's rule), else from creation.
    var rollingTimestamp: Int64?
    /// False for a recovered active segment until its first header is read.
    var rollingTimestampKnown = true
    var createdMs: Int64
    /// A new file whose directory entry must be fsynced with its first flush.
    var needsDirectorySync = false

    init(baseOffset: Int64, directory: String, createdMs: Int64) {
        self.baseOffset = baseOffset
        self.directory = directory
        self.nextOffset = baseOffset
        self.flushedNextOffset = baseOffset
        self.createdMs = createdMs
    }

    static func fileStem(_ offset: Int64) -> String {
        let digits = String(offset)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }

    var logPath: String { directory + "/" + Self.fileStem(baseOffset) + ".log" }
    var indexPath: String { directory + "/" + Self.fileStem(baseOffset) + ".index" }
    var timeIndexPath: String { directory + "/" + Self.fileStem(baseOffset) + ".timeindex" }

    var isEmpty: Bool { size == 0 }
    var isFlushed: Bool { flushedSize >= size }

    /// Whether a frame can still be added without overflowing the 32-bit relative
    /// offsets and positions of the index.
    func canHold(frameSize: Int, records: Int64, segmentBytes: Int) -> Bool {
        if isEmpty { return true }
        return size + Int64(frameSize) <= Int64(segmentBytes)
            && nextOffset + records - baseOffset <= Int64(UInt32.max)
    }

    /// Accounts for a frame written at `position` (Kafka's indexing rule: an entry
    /// when more than `interval` bytes were written since the last one).
    mutating func didAppend(_ header: FrameHeader, at position: Int64, interval: Int) {
        if header.maxTimestamp > maxTimestamp {
            maxTimestamp = header.maxTimestamp
            offsetOfMaxTimestamp = header.baseOffset
        }
        if rollingTimestampKnown, rollingTimestamp == nil, header.maxTimestamp >= 0 { rollingTimestamp = header.maxTimestamp }
        if bytesSinceIndexEntry > interval {
            addIndexEntry(offset: header.baseOffset, position: position)
        }
        bytesSinceIndexEntry += header.frameSize
        size = position + Int64(header.frameSize)
        nextOffset = header.nextOffset
    }

    mutating func addIndexEntry(offset: Int64, position: Int64) {
        pendingIndex.append(.init(relativeOffset: UInt32(offset - baseOffset), position: UInt32(position)))
        addTimeEntryIfGrown()
        bytesSinceIndexEntry = 0
    }

    /// A time index entry for the current maximum, if it grew (also used when the
    /// segment stops being active, so its final maximum is on disk).
    mutating func addTimeEntryIfGrown() {
        guard maxTimestamp > lastTimeEntryTimestamp, offsetOfMaxTimestamp >= baseOffset else { return }
        pendingTime.append(.init(timestamp: maxTimestamp, relativeOffset: UInt32(offsetOfMaxTimestamp - baseOffset)))
        lastTimeEntryTimestamp = maxTimestamp
    }

    /// Where to start scanning for `offset`: the closest indexed batch at or before it.
    /// Needs `persistedIndex` loaded when there are persisted entries.
    func indexLookup(_ offset: Int64) -> (offset: Int64, position: Int64) {
        let relative = UInt32(clamping: offset - baseOffset)
        if let first = pendingIndex.first, first.relativeOffset <= relative {
            var low = 0
            var high = pendingIndex.count
            while low < high {
                let mid = (low + high) / 2
                if pendingIndex[mid].relativeOffset <= relative { low = mid + 1 } else { high = mid }
            }
            let entry = pendingIndex[low - 1]
            return (baseOffset + Int64(entry.relativeOffset), Int64(entry.position))
        }
        if let entry = persistedIndex?.lookup(relative) {
            return (baseOffset + Int64(entry.relativeOffset), Int64(entry.position))
        }
        return (baseOffset, 0)
    }

    /// Where to start scanning for the first batch with a timestamp ≥ `timestamp`.
    func timeLookup(_ timestamp: Int64) -> Int64 {
        if let first = pendingTime.first, first.timestamp <= timestamp,
            let entry = pendingTime.last(where: { $0.timestamp <= timestamp })
        {
            return baseOffset + Int64(entry.relativeOffset)
        }
        if let entry = persistedTimeIndex?.lookup(timestamp) {
            return baseOffset + Int64(entry.relativeOffset)
        }
        return baseOffset
    }

    /// The timestamp retention.ms compares: the largest batch timestamp, or for a
    /// segment without timestamps its file time (Kafka's fallback).
    func retentionTimestamp() -> Int64 {
        if maxTimestamp >= 0 { return maxTimestamp }
        return FileIO.fileInfo(logPath)?.modifiedMs ?? createdMs
    }
}
