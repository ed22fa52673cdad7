/// Whom a client quota applies to, as Kafka names it: a user, a client id, both, or an IP
/// address. Each part is either a name or the default (`<default>`; null on the wire).
struct QuotaEntity: Hashable, Sendable, CustomStringConvertible {
    enum Name: Hashable, Sendable {
        case named(String)
        case defaultName

        /// The wire form: nil is the default entity.
        init(wire: String?) { self = wire.map { .named($0) } ?? .defaultName }
        var wire: String? {
            if case .named(let n) = self { return n }
            return nil
        }
    }

    var user: Name?
    var clientId: Name?
    var ip: Name?

    static let userType = "user"
    static let clientIdType = "client-id"
    static let ipType = "ip"

    /// The (type, name) pairs in Kafka's order, as DescribeClientQuotas returns them.
    var components: [(type: String, name: String?)] {
        var out: [(type: String, name: String?)] = []
        if let user { out.append((Self.userType, user.wire)) }
        if let clientId { out.append((Self.clientIdType, clientId.wire)) }
        if let ip { out.append((Self.ipType, ip.wire)) }
        return out
    }

    func name(ofType type: String) -> Name? {
        switch type {
        case Self.userType: user
        case Self.clientIdType: clientId
        case Self.ipType: ip
        default: nil
        }
    }

    /// Kafka's ZooKeeper path form, used in audit events and logs:
    /// `users/alice/clients/<default>`, `clients/app`, `ips/10.0.0.1`.
    var description: String {
        func show(_ n: Name) -> String { n.wire ?? "<default>" }
        var parts: [String] = []
        if let user { parts.append("users/\(show(user))") }
        if let clientId { parts.append("clients/\(show(clientId))") }
        if let ip { parts.append("ips/\(show(ip))") }
        return parts.joined(separator: "/")
    }
}

/// The quota keys Kafka defines for client and IP entities.
enum QuotaKey: String, CaseIterable, Sendable {
    case producerByteRate = "producer_byte_rate"
    case consumerByteRate = "consumer_byte_rate"
    case requestPercentage = "request_percentage"
    case controllerMutationRate = "controller_mutation_rate"
    case connectionCreationRate = "connection_creation_rate"

    /// Which entities the key may be set on: IP entities take only the connection rate.
    func applies(to entity: QuotaEntity) -> Bool {
        entity.ip == nil ? self != .connectionCreationRate : self == .connectionCreationRate
    }

    /// Kafka types the byte rates as longs and the connection rate as an int; a fraction
    /// there is a client mistake, not something to round silently.
    var isIntegral: Bool {
        switch self {
        case .producerByteRate, .consumerByteRate, .connectionCreationRate: true
        case .requestPercentage, .controllerMutationRate: false
        }
    }
}
