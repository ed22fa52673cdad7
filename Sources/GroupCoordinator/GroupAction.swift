import KafkaWire

/// What a `GroupStateMachine` asks its owner to do after an input.
enum GroupAction: Sendable, Equatable {
    /// Answer a held-back JoinGroup request.
    case joinResponse(PendingRequestID, JoinGroupResponse)
    /// Answer a held-back SyncGroup request.
    case syncResponse(PendingRequestID, SyncGroupResponse)
    /// A generation completed: persist the group's protocol type and generation.
    case persistGroup
}
