/// One line of the offsets log. Each line is a whole request's effect, so a crash never
/// leaves half a commit behind.
struct OffsetLogRecord: Codable, Sendable, Equatable {
    enum Kind: String, Codable, Sendable {
        /// `entries` committed for `group`.
        case commit
        /// `entries`' partitions removed from `group` (OffsetDelete, expiry).
        case delete
        /// `group` and all its offsets removed (DeleteGroups).
        case deleteGroup
        /// `group`'s protocol type and generation (after a rebalance).
        case group
        /// `topic`'s offsets removed from every group.
        case deleteTopic
    }

    struct Entry: Codable, Sendable, Equatable {
        var topic: String
        var partition: Int32
        var offset: Int64?
        var leaderEpoch: Int32?
        var metadata: String?
        var timestamp: Int64?
    }

    var kind: Kind
    var group: String?
    var topic: String?
    var entries: [Entry]?
    var protocolType: String?
    var generation: Int32?
}
