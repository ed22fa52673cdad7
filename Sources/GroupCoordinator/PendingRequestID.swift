/// Names a JoinGroup or SyncGroup request whose response is held back (long poll), so a
/// state machine can answer it later without knowing about continuations.
struct PendingRequestID: Hashable, Sendable, CustomStringConvertible {
    let rawValue: UInt64

    var description: String { "#\(rawValue)" }
}
