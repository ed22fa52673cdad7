/// A SyncGroup request as the state machine needs it.
struct SyncInput: Sendable {
    var requestId: PendingRequestID
    var memberId: String
    var groupInstanceId: String?
    var generationId: Int32
    /// v5+: must match the group's, if given.
    var protocolType: String?
    var protocolName: String?
    /// The leader's assignments by member id; followers send none.
    var assignments: [String: [UInt8]]
}
