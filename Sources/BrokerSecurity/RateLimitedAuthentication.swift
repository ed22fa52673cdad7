import Synchronization

/// A listener's policy for failed SASL attempts, shared by its connections: the per-address
/// `RateLimit` and Kafka's `connection.failed.authentication.delay.ms`, the pause before a
/// failure is answered and the connection closed (it slows guessing from one connection
/// and hides how quickly the broker decided).
public final class RateLimitedAuthentication: Sendable {
    private let limit: Mutex<RateLimit>
    public let failureDelayMs: Int64

    public init(perMinute: Int, failureDelayMs: Int64, maxAddresses: Int = 65_536) {
        limit = Mutex(RateLimit(perMinute: perMinute, maxAddresses: maxAddresses))
        self.failureDelayMs = max(0, failureDelayMs)
    }

    public func isLimited(_ address: String, nowMs: Int64) -> Bool {
        limit.withLock { $0.isLimited(address, nowMs: nowMs) }
    }

    public func recordFailure(_ address: String, nowMs: Int64) {
        limit.withLock { $0.recordFailure(address, nowMs: nowMs) }
    }
}
