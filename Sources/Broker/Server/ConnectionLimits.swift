import Synchronization

/// Kafka's `max.connections` (broker-wide) and `max.connections.per.ip` (with
/// `max.connections.per.ip.overrides`), counted across every listener. A connection over a
/// limit is closed as soon as it is accepted, before a byte is read from it.
final class ConnectionLimits: Sendable {
    enum Verdict: Equatable, Sendable {
        case admitted
        case overTotal
        case overPerAddress
    }

    private let total: Int
    private let perAddress: @Sendable (String) -> Int
    private let state = Mutex<(total: Int, byAddress: [String: Int])>((0, [:]))

    init(total: Int = .max, perAddress: @escaping @Sendable (String) -> Int = { _ in .max }) {
        self.total = total
        self.perAddress = perAddress
    }

    convenience init(_ settings: OperationsSettings) {
        self.init(total: settings.maxConnections, perAddress: { settings.connectionLimit(for: $0) })
    }

    /// Counts the connection in when it fits; the caller calls `release` when it closes.
    func admit(_ address: String) -> Verdict {
        let limit = perAddress(address)
        return state.withLock { s in
            if s.total >= total { return .overTotal }
            if s.byAddress[address, default: 0] >= limit { return .overPerAddress }
            s.total += 1
            s.byAddress[address, default: 0] += 1
            return .admitted
        }
    }

    func release(_ address: String) {
        state.withLock { s in
            s.total -= 1
            let left = s.byAddress[address, default: 1] - 1
            s.byAddress[address] = left > 0 ? left : nil
        }
    }

    var open: Int { state.withLock { $0.total } }
}
