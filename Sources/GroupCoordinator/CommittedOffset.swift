/// A topic partition as offsets are keyed.
struct TopicPartition: Hashable, Sendable, Comparable {
    var topic: String
    var partition: Int32

    static func < (lhs: TopicPartition, rhs: TopicPartition) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }
}

/// A group's committed position in one partition.
struct CommittedOffset: Hashable, Sendable {
    var offset: Int64
    /// -1 when the client did not send one (OffsetCommit < v6).
    var leaderEpoch: Int32
    var metadata: String
    /// Coordinator clock at commit; standalone groups' offsets expire relative to it.
    var commitTimestamp: Int64
}
