#if canImport(Glibc)
import Glibc
#endif

/// Checks of DescribeClientQuotas filters and AlterClientQuotas entries, as Kafka makes
/// them; a failure is a message for INVALID_REQUEST.
enum QuotaValidation {
    /// An entity from (type, name) pairs: user, client-id, both, or ip alone; each type
    /// once; names non-empty (null is the default); ip names are addresses.
    static func entity(_ parts: [(type: String, name: String?)]) -> Result<QuotaEntity, QuotaRequestError> {
        guard !parts.isEmpty else { return .failure("Invalid empty client quota entity") }
        var entity = QuotaEntity()
        for (type, name) in parts {
            if name == "" { return .failure("Empty \(type) name is invalid; use null for the default entity") }
            let n = QuotaEntity.Name(wire: name)
            switch type {
            case QuotaEntity.userType:
                guard entity.user == nil else { return .failure("Duplicate entity type: \(type)") }
                entity.user = n
            case QuotaEntity.clientIdType:
                guard entity.clientId == nil else { return .failure("Duplicate entity type: \(type)") }
                entity.clientId = n
            case QuotaEntity.ipType:
                guard entity.ip == nil else { return .failure("Duplicate entity type: \(type)") }
                if let name, !isIPAddress(name) { return .failure("\(name) is not a valid IP address") }
                entity.ip = n
            default:
                return .failure("Unhandled client quota entity type: \(type)")
            }
        }
        if entity.ip != nil, entity.user != nil || entity.clientId != nil {
            return .failure("ip quotas cannot be combined with user or client-id")
        }
        return .success(entity)
    }

    /// One set operation: a known key that applies to the entity, and a finite,
    /// non-negative value (whole for the byte and connection rates).
    static func value(_ raw: String, _ value: Double, for entity: QuotaEntity) -> Result<QuotaKey, QuotaRequestError> {
        guard let key = QuotaKey(rawValue: raw) else { return .failure("Invalid configuration key \(raw)") }
        guard key.applies(to: entity) else {
            return .failure("Configuration key \(raw) does not apply to entity \(entity)")
        }
        guard value.isFinite, value >= 0 else { return .failure("Invalid value \(value) for \(raw): must be a non-negative number") }
        if key.isIntegral {
            guard value == value.rounded(), value <= Double(key == .connectionCreationRate ? Int64(Int32.max) : Int64.max) else {
                return .failure("Invalid value \(value) for \(raw): must be a whole number in range")
            }
        }
        return .success(key)
    }

    private static func isIPAddress(_ s: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, s, &v4) == 1 || inet_pton(AF_INET6, s, &v6) == 1
    }
}

struct QuotaRequestError: Error, ExpressibleByStringLiteral, ExpressibleByStringInterpolation {
    var message: String
    init(stringLiteral value: String) { message = value }
    init(stringInterpolation: DefaultStringInterpolation) { message = String(stringInterpolation: stringInterpolation) }
}

/// A DescribeClientQuotas filter: per entity type, an exact name, the default, or any;
/// `strict` excludes entities with types the filter does not name.
struct QuotaFilter {
    enum Match: Equatable {
        case exact(String)
        case defaultName
        case any
    }

    var components: [String: Match]
    var strict: Bool

    static func parse(_ parts: [(type: String, matchType: Int8, match: String?)], strict: Bool) -> Result<QuotaFilter, QuotaRequestError> {
        var components: [String: Match] = [:]
        for p in parts {
            guard [QuotaEntity.userType, QuotaEntity.clientIdType, QuotaEntity.ipType].contains(p.type) else {
                return .failure("Custom entity type \(p.type) not supported")
            }
            guard components[p.type] == nil else { return .failure("Duplicate filter component entity type \(p.type)") }
            switch p.matchType {
            case 0:
                guard let name = p.match else { return .failure("Request specified MATCH_TYPE_EXACT, but set match string to null") }
                components[p.type] = .exact(name)
            case 1: components[p.type] = .defaultName
            case 2: components[p.type] = .any
            default: return .failure("Unexpected match type \(p.matchType)")
            }
        }
        if components[QuotaEntity.ipType] != nil, components[QuotaEntity.userType] != nil || components[QuotaEntity.clientIdType] != nil {
            return .failure("Invalid entity filter component combination: ip with user or client-id")
        }
        return .success(QuotaFilter(components: components, strict: strict))
    }

    func matches(_ entity: QuotaEntity) -> Bool {
        if strict, entity.components.count != components.count { return false }
        for (type, match) in components {
            guard let name = entity.name(ofType: type) else { return false }
            switch match {
            case .exact(let n): if name != .named(n) { return false }
            case .defaultName: if name != .defaultName { return false }
            case .any: break
            }
        }
        return true
    }
}

extension Double {
    /// Quota values as people write them: `1048576`, not `1048576.0`.
    var quotaText: String {
        if self == rounded(), abs(self) < 1e15 { return String(Int64(self)) }
        return String(self)
    }
}
