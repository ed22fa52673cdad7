import PolicyEngine

/// Kafka's `AclBindingFilter` (DescribeAcls, DeleteAcls): a resource pattern filter and an
/// entry filter, with Kafka's matching rules. Wire codes are Kafka's.
struct AclFilter: Sendable {
    enum ResourceType { case any, type(KafkaResourceType) }
    enum Pattern { case any, match, literal, prefixed }

    var resourceType: ResourceType
    /// nil matches any name.
    var name: String?
    var pattern: Pattern
    var principal: String?
    var host: String?
    /// nil is ANY.
    var operation: KafkaOperation?
    var permission: KafkaAclBinding.Permission?

    /// Parses the wire filter; nil when any part is UNKNOWN or out of range (INVALID_REQUEST).
    init?(resourceType: Int8, name: String?, patternType: Int8, principal: String?, host: String?,
          operation: Int8, permission: Int8) {
        switch resourceType {
        case 1: self.resourceType = .any
        default:
            guard let t = KafkaResourceType(code: resourceType) else { return nil }
            self.resourceType = .type(t)
        }
        switch patternType {
        case 1: pattern = .any
        case 2: pattern = .match
        case 3: pattern = .literal
        case 4: pattern = .prefixed
        default: return nil
        }
        switch operation {
        case 1: self.operation = nil
        default:
            guard let op = KafkaOperation(code: operation) else { return nil }
            self.operation = op
        }
        switch permission {
        case 1: self.permission = nil
        case 2: self.permission = .deny
        case 3: self.permission = .allow
        default: return nil
        }
        self.name = name
        self.principal = principal
        self.host = host
    }

    func matches(_ b: KafkaAclBinding) -> Bool {
        if case .type(let t) = resourceType, t != b.resourceType { return false }
        if let principal, principal != b.principal { return false }
        if let host, host != b.host { return false }
        if let operation, operation != b.operation { return false }
        if let permission, permission != b.permission { return false }
        guard let name else {
            switch pattern {
            case .any, .match: return true
            case .literal: return b.patternType == .literal
            case .prefixed: return b.patternType == .prefixed
            }
        }
        switch pattern {
        case .any: return b.resourceName == name
        case .literal: return b.patternType == .literal && b.resourceName == name
        case .prefixed: return b.patternType == .prefixed && b.resourceName == name
        case .match:
            // Every binding that would apply to a resource of this name.
            switch b.patternType {
            case .literal: return b.resourceName == name || b.resourceName == "*"
            case .prefixed: return name.hasPrefix(b.resourceName)
            }
        }
    }
}

extension KafkaAclBinding.Permission {
    /// Kafka's `AclPermissionType` code: DENY=2, ALLOW=3.
    var code: Int8 { self == .deny ? 2 : 3 }

    init?(code: Int8) {
        switch code {
        case 2: self = .deny
        case 3: self = .allow
        default: return nil
        }
    }
}

extension KafkaAclBinding.PatternType {
    init?(code: Int8) {
        switch code {
        case 3: self = .literal
        case 4: self = .prefixed
        default: return nil
        }
    }
}

extension KafkaAclBinding {
    /// One line for audit events: `User:bob ALLOW WRITE topic:PREFIXED:pay from *`.
    var auditDescription: String {
        "\(principal) \(permission.rawValue) \(operation.rawValue) \(resourceType.auditName):\(patternType.rawValue):\(resourceName) from \(host)"
    }
}
