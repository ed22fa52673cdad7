/// A segment's sparse offset index: batch base offset (relative to the segment's
/// base) → byte position of its frame, one entry every `index.interval.bytes`.
///
/// File format: 8-byte entries, big-endian `relativeOffset u32, position u32`,
/// strictly increasing in both. Only entries whose frames are known to be on disk
/// (fsynced) are written, so recovery trusts the last entry that validates and
/// CRC-checks only the tail after it.
struct OffsetIndex: Sendable {
    static let entrySize = 8

    struct Entry: Hashable, Sendable {
        var relativeOffset: UInt32
        var position: UInt32
    }

    private(set) var entries: [Entry] = []

    var last: Entry? { entries.last }
    var count: Int { entries.count }

    mutating func append(_ entry: Entry) {
        entries.append(entry)
    }

    /// The last entry with `relativeOffset ≤ target`, if any.
    func lookup(_ target: UInt32) -> Entry? {
        entries.lastSorted(atMost: target, by: \.relativeOffset)
    }

    static func encode(_ entries: some Collection<Entry>) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(entries.count * entrySize)
        for entry in entries {
            bytes.appendBigEndian(entry.relativeOffset)
            bytes.appendBigEndian(entry.position)
        }
        return bytes
    }

    /// Decodes a whole index file; nil if it is corrupt (size, order, or a position
    /// past `logSize`), in which case the caller rebuilds it from the segment.
    static func decode(_ bytes: [UInt8], logSize: Int64) -> OffsetIndex? {
        guard bytes.count % entrySize == 0 else { return nil }
        var index = OffsetIndex()
        index.entries.reserveCapacity(bytes.count / entrySize)
        var previous: Entry?
        for start in stride(from: 0, to: bytes.count, by: entrySize) {
            let entry = Entry(relativeOffset: bytes.bigEndian(at: start), position: bytes.bigEndian(at: start + 4))
            if let previous, entry.relativeOffset <= previous.relativeOffset || entry.position <= previous.position {
                return nil
            }
            guard Int64(entry.position) < logSize else { return nil }
            index.entries.append(entry)
            previous = entry
        }
        return index
    }
}

/// A segment's time index: the largest timestamp so far → base offset of the batch
/// that first reached it, appended (like Kafka's) only when the timestamp grows, so
/// both columns increase. File format: 12-byte entries, `timestamp i64, relativeOffset u32`.
struct TimeIndex: Sendable {
    static let entrySize = 12

    struct Entry: Hashable, Sendable {
        var timestamp: Int64
        var relativeOffset: UInt32
    }

    private(set) var entries: [Entry] = []

    var last: Entry? { entries.last }

    mutating func append(_ entry: Entry) {
        entries.append(entry)
    }

    /// The last entry with `timestamp ≤ target`: every batch before its offset has a
    /// smaller timestamp, so a search for `target` may start there.
    func lookup(_ target: Int64) -> Entry? {
        entries.lastSorted(atMost: target, by: \.timestamp)
    }

    static func encode(_ entries: some Collection<Entry>) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(entries.count * entrySize)
        for entry in entries {
            bytes.appendBigEndian(entry.timestamp)
            bytes.appendBigEndian(entry.relativeOffset)
        }
        return bytes
    }

    /// Decodes a whole time index file; nil if corrupt (size, order, or an offset
    /// at or past `relativeEnd`, the segment's next offset).
    static func decode(_ bytes: [UInt8], relativeEnd: Int64) -> TimeIndex? {
        guard bytes.count % entrySize == 0 else { return nil }
        var index = TimeIndex()
        var previous: Entry?
        for start in stride(from: 0, to: bytes.count, by: entrySize) {
            let entry = Entry(timestamp: bytes.bigEndian(at: start), relativeOffset: bytes.bigEndian(at: start + 8))
            if let previous, entry.timestamp <= previous.timestamp || entry.relativeOffset < previous.relativeOffset {
                return nil
            }
            guard Int64(entry.relativeOffset) < relativeEnd else { return nil }
            index.entries.append(entry)
            previous = entry
        }
        return index
    }
}

extension [UInt8] {
    mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }

    func bigEndian<T: FixedWidthInteger>(at offset: Int) -> T {
        withUnsafeBytes { T(bigEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
    }
}

extension Array {
    /// Binary search in an array sorted by `key`: the last element whose key is ≤ `target`.
    func lastSorted<Key: Comparable>(atMost target: Key, by key: (Element) -> Key) -> Element? {
        var low = 0
        var high = count
        while low < high {
            let mid = (low + high) / 2
            if key(self[mid]) <= target { low = mid + 1 } else { high = mid }
        }
        return low == 0 ? nil : self[low - 1]
    }
}
