import Synchronization

/// The throttle a request earned, read by the connection after it answers: Kafka ≥ 2.0
/// answers at once with `throttle_time_ms` and then stops reading the connection for that
/// long, so a client that ignores the field is held back all the same.
final class ThrottleSlot: Sendable {
    private let ms = Mutex<Int64>(0)

    /// Several quotas may throttle one request; the longest wins, as in Kafka.
    func mute(_ milliseconds: Int64) {
        ms.withLock { $0 = max($0, milliseconds) }
    }

    var milliseconds: Int64 { ms.withLock { $0 } }
}

extension RequestContext {
    /// The user part of a quota entity: the principal's name without `User:` (Kafka's
    /// `KafkaPrincipal.getName`), `ANONYMOUS` before authentication.
    var quotaUser: String {
        principal.hasPrefix("User:") ? String(principal.dropFirst(5)) : principal
    }

    var quotaClientId: String { clientId ?? "" }
}
