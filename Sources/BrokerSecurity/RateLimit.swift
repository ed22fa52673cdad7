/// Failed authentications per client address in the last minute
/// (`bulwark.sasl.failed.attempts.per.minute`): once an address reaches the limit, its
/// attempts fail, right password or not, until its oldest counted failure is a minute old.
/// The client sees the ordinary failure; only the broker's log says "rate limited".
///
/// Pure: the caller passes the time. Memory is bounded by `maxAddresses` and the limit.
public struct RateLimit: Sendable {
    public let perMinute: Int
    public let maxAddresses: Int
    static let windowMs: Int64 = 60_000
    /// Failure times per address, oldest first, at most `perMinute` of them.
    private var failures: [String: [Int64]] = [:]

    /// `perMinute` 0 turns the limit off.
    public init(perMinute: Int, maxAddresses: Int = 65_536) {
        self.perMinute = max(0, perMinute)
        self.maxAddresses = max(1, maxAddresses)
    }

    public var trackedAddresses: Int { failures.count }

    /// Whether an attempt from `address` is refused now.
    public mutating func isLimited(_ address: String, nowMs: Int64) -> Bool {
        guard perMinute > 0, var times = failures[address] else { return false }
        times.removeAll { nowMs - $0 >= Self.windowMs }
        failures[address] = times.isEmpty ? nil : times
        return times.count >= perMinute
    }

    /// Counts a failed attempt from `address`.
    public mutating func recordFailure(_ address: String, nowMs: Int64) {
        guard perMinute > 0 else { return }
        if failures[address] == nil, failures.count >= maxAddresses { evict(nowMs: nowMs) }
        var times = failures[address, default: []]
        times.removeAll { nowMs - $0 >= Self.windowMs }
        times.append(nowMs)
        if times.count > perMinute { times.removeFirst(times.count - perMinute) }
        failures[address] = times
    }

    /// Makes room: drops addresses with nothing in the window, else the one whose latest
    /// failure is oldest (an attacker rotating addresses cannot grow the table).
    private mutating func evict(nowMs: Int64) {
        failures = failures.filter { nowMs - ($0.value.last ?? 0) < Self.windowMs }
        if failures.count >= maxAddresses, let oldest = failures.min(by: { ($0.value.last ?? 0) < ($1.value.last ?? 0) }) {
            failures[oldest.key] = nil
        }
    }
}
