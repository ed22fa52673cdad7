/// A member of a classic group as the coordinator sees it.
struct GroupMember: Sendable, Equatable {
    var memberId: String
    var groupInstanceId: String?
    var clientId: String
    var clientHost: String
    var sessionTimeoutMs: Int32
    var rebalanceTimeoutMs: Int32
    var protocolType: String
    /// In the member's order of preference; the protocol vote uses it.
    var protocols: [MemberProtocol]
    var assignment: [UInt8] = []
    /// A JoinGroup waiting for the rebalance to complete.
    var pendingJoin: PendingRequestID?
    /// A SyncGroup waiting for the leader's assignments.
    var pendingSync: PendingRequestID?
    /// When the member is dropped unless it heartbeats; ignored while a join or sync is
    /// pending because the rebalance timeout governs that phase (as in Kafka).
    var sessionDeadline: Int64

    func metadata(for protocolName: String?) -> [UInt8] {
        protocols.first { $0.name == protocolName }?.metadata ?? []
    }

    /// Same protocols with the same metadata in the same order: a rejoin with these
    /// changes nothing the leader would assign on, so it needs no rebalance.
    func matches(_ other: [MemberProtocol]) -> Bool {
        protocols == other
    }

    func isAlive(at now: Int64) -> Bool {
        pendingJoin != nil || pendingSync != nil || now < sessionDeadline
    }
}
