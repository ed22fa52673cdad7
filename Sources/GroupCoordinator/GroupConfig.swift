/// Broker-level settings of the group coordinator, named after Kafka's broker configs.
public struct GroupConfig: Sendable {
    /// `group.min.session.timeout.ms`: joins asking for less get INVALID_SESSION_TIMEOUT.
    public var minSessionTimeoutMs: Int32 = 6000
    /// `group.max.session.timeout.ms`: joins asking for more get INVALID_SESSION_TIMEOUT.
    public var maxSessionTimeoutMs: Int32 = 1_800_000
    /// `group.initial.rebalance.delay.ms`: how long the first rebalance of an empty group
    /// waits for more members, so a fleet starting together does not rebalance once per member.
    public var initialRebalanceDelayMs: Int32 = 3000
    /// `group.max.size`: members beyond this get GROUP_MAX_SIZE_REACHED.
    public var maxSize: Int32 = Int32.max
    /// `offsets.retention.minutes`: committed offsets of a group without members expire
    /// this long after the group became empty (or after the commit, for standalone groups).
    public var offsetsRetentionMinutes: Int64 = 10080
    /// `offset.metadata.max.bytes`: longer commit metadata gets OFFSET_METADATA_TOO_LARGE.
    public var offsetMetadataMaxBytes: Int = 4096
    /// `offsets.retention.check.interval.ms`: how often expired offsets are looked for.
    public var offsetsRetentionCheckIntervalMs: Int64 = 600_000

    public init() {}

    var offsetsRetentionMs: Int64 { offsetsRetentionMinutes * 60_000 }
}
