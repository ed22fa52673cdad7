/// Which APIs the codec implements, and for which versions: the "Recommended" column
/// of the client compatibility table (docs/KAFKA-CLIENTS.md §2), widened where an
/// extra version costs nothing on the wire and saves a client a retry.
enum ApiSelection {
    static let apis: [(name: String, versions: ClosedRange<Int>)] = [
        ("Produce", 3...9),
        ("Fetch", 4...12),
        ("ListOffsets", 1...7),
        ("Metadata", 0...12),
        ("OffsetCommit", 2...8),
        ("OffsetFetch", 1...8),
        ("FindCoordinator", 0...4),
        ("JoinGroup", 0...7),
        ("Heartbeat", 0...4),
        ("LeaveGroup", 0...4),
        ("SyncGroup", 0...5),
        ("DescribeGroups", 0...5),
        ("ListGroups", 0...4),
        ("SaslHandshake", 0...1),
        // kafka-python opens with v4; offering it saves a round trip.
        ("ApiVersions", 0...4),
        // v6 and v7 have the v5 wire format; kafka-python asks for them.
        ("CreateTopics", 2...7),
        ("DeleteTopics", 1...4),
        ("DeleteRecords", 0...2),
        ("InitProducerId", 0...4),
        ("OffsetForLeaderEpoch", 2...4),
        ("DescribeAcls", 1...3),
        ("CreateAcls", 1...3),
        ("DeleteAcls", 1...3),
        ("DescribeConfigs", 1...4),
        ("AlterConfigs", 0...2),
        ("SaslAuthenticate", 0...2),
        ("CreatePartitions", 0...3),
        ("DeleteGroups", 0...2),
        ("IncrementalAlterConfigs", 0...1),
        ("OffsetDelete", 0...0),
        ("DescribeUserScramCredentials", 0...0),
        ("AlterUserScramCredentials", 0...0),
        ("DescribeClientQuotas", 0...1),
        ("AlterClientQuotas", 0...1),
        ("DescribeCluster", 0...1),
    ]

    /// Header schemas, generated for all their versions.
    static let headers = ["RequestHeader", "ResponseHeader"]
}
