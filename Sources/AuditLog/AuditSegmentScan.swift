/// A quick walk over one segment's records that trusts the stored hashes: how the writer
/// finds where to continue, and how a reader rebuilds a missing index. `AuditVerifier`
/// is the walk that trusts nothing.
struct AuditSegmentScan {
    enum End: Equatable {
        case clean
        /// Bytes from `offset` to the end are a strict prefix of a record.
        case torn(offset: Int)
        /// A length prefix at `offset` is impossible.
        case invalid(offset: Int)
    }

    var nextSequence: UInt64
    var lastHash: [UInt8]
    var index: AuditSegmentIndex
    var end: End = .clean
    var firstTime: Int64?
    var eventsAfterCheckpoint = 0
    var endsWithCheckpoint = false
    var lastEventSequence: UInt64 = 0

    /// Opens sealed event bodies; without a key a sealed event still counts (sequence and
    /// hash) but adds nothing to the index.
    let opener: AuditBodyOpener

    init(firstSequence: UInt64, previousHash: [UInt8], opener: AuditBodyOpener = AuditBodyOpener(sealing: nil)) {
        self.opener = opener
        nextSequence = firstSequence
        lastHash = previousHash
        index = AuditSegmentIndex(segmentFirstSequence: firstSequence)
    }

    mutating func run(_ bytes: UnsafeRawBufferPointer) {
        var offset = AuditSegmentHeader.size
        while offset < bytes.count {  // bounded: each record advances offset
            switch AuditFrame.parse(bytes, at: offset, end: bytes.count) {
            case .incomplete:
                end = .torn(offset: offset)
                return
            case .invalid:
                end = .invalid(offset: offset)
                return
            case .record(let body, let hash, let next):
                let slice = UnsafeRawBufferPointer(rebasing: bytes[body])
                guard let header = try? AuditRecordCodec.header(slice) else {
                    end = .invalid(offset: offset)
                    return
                }
                let isEvent = header.type != AuditRecordCodec.checkpointType
                if isEvent {
                    lastEventSequence = header.sequence
                    eventsAfterCheckpoint += 1
                } else {
                    eventsAfterCheckpoint = 0
                }
                endsWithCheckpoint = !isEvent
                let opener = self.opener
                let indexed: Bool? = try? opener.withPlain(slice) { (plain) throws(AuditLogError) -> Bool in
                    guard let raw = try AuditRawEvent.parse(plain) else { return false }
                    if firstTime == nil { firstTime = raw.time }
                    index.add(raw, sequence: header.sequence, offset: offset, end: next)
                    return true
                }
                if indexed != true { index.add(nil, sequence: header.sequence, offset: offset, end: next) }
                nextSequence = header.sequence + 1
                lastHash = Array(bytes[hash])
                offset = next
            }
        }
    }
}
