/// The classic group protocol's states; `rawValue` is the name Kafka reports in
/// DescribeGroups and ListGroups, which admin tools match on.
enum GroupState: String, Sendable, CaseIterable {
    /// No members; offsets may still exist.
    case empty = "Empty"
    /// Collecting JoinGroup requests for the next generation.
    case preparingRebalance = "PreparingRebalance"
    /// Join answered; waiting for the leader's SyncGroup with assignments.
    case completingRebalance = "CompletingRebalance"
    /// Assignments distributed; members heartbeat.
    case stable = "Stable"
    /// Deleted or unknown.
    case dead = "Dead"
}
