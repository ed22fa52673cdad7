/// A Kafka ACL (what CreateAcls stores and DescribeAcls returns). The broker keeps them
/// as a policy set of their own; the snapshot turns each into a policy at priority 0, so
/// Kafka's rules hold alongside Ranger's: a DENY beats an ALLOW, ALL covers every
/// operation, and ALLOW READ/WRITE/DELETE/ALTER also allow DESCRIBE and ALLOW
/// ALTER_CONFIGS allows DESCRIBE_CONFIGS (a DENY denies only what it names).
public struct KafkaAclBinding: Hashable, Sendable {
    public enum PatternType: String, Sendable, Hashable {
        case literal = "LITERAL"
        case prefixed = "PREFIXED"

        /// Kafka's wire code (`PatternType`: LITERAL=3, PREFIXED=4).
        public var code: Int8 { self == .literal ? 3 : 4 }
    }

    public enum Permission: String, Sendable, Hashable {
        case allow = "ALLOW"
        case deny = "DENY"
    }

    /// `User:alice`, `User:*` (everyone) or `Group:ops`.
    public var principal: String
    /// A client address, or `*` for any.
    public var host: String
    public var resourceType: KafkaResourceType
    /// A name, or `*` with LITERAL for every resource of the type.
    public var resourceName: String
    public var patternType: PatternType
    public var operation: KafkaOperation
    public var permission: Permission

    public init(principal: String, host: String = "*", resourceType: KafkaResourceType, resourceName: String,
                patternType: PatternType = .literal, operation: KafkaOperation, permission: Permission = .allow) {
        self.principal = principal
        self.host = host
        self.resourceType = resourceType
        self.resourceName = resourceName
        self.patternType = patternType
        self.operation = operation
        self.permission = permission
    }

    /// The policy source name ACL-derived decisions carry.
    public static let source = "kafka-acls"

    func policy(id: Int64) throws(PolicyLoadError) -> Policy {
        func fail(_ message: String) -> PolicyLoadError {
            PolicyLoadError(file: Self.source, path: "acls[\(id - 1)]", message: message)
        }
        var users: Set<String> = [], groups: Set<String> = []
        if principal == "User:*" {
            groups = ["public"]
        } else if principal.hasPrefix("User:"), principal.count > 5 {
            users = [String(principal.dropFirst(5))]
        } else if principal.hasPrefix("Group:"), principal.count > 6 {
            groups = [String(principal.dropFirst(6))]
        } else {
            throw fail("principal \"\(principal)\" is not User:<name>, User:* or Group:<name>")
        }
        let pattern: ResourcePattern = switch patternType {
        case .literal where resourceName == "*": ResourcePattern("*", kind: .wildcard)
        case .literal: ResourcePattern(resourceName, kind: .literal)
        case .prefixed: ResourcePattern(resourceName, kind: .prefix)
        }
        guard !resourceName.isEmpty else { throw fail("the resource name is empty") }
        let operations = permission == .allow ? operation.allowedOperations
            : (operation == .all ? KafkaOperation.allCases.filter { $0 != .all } : [operation])
        let accesses = Set(operations.compactMap(\.rangerAccessType))
        var conditions: [Condition] = []
        if host != "*" {
            guard let range = IPRange(host), IPRange.Address(host) != nil else { throw fail("host \"\(host)\" is not * or an address") }
            conditions = [.ipRange([range])]
        }
        let item = Policy.Item(kind: permission == .allow ? .allow : .deny, index: 0, users: users, groups: groups, roles: [],
                               accesses: accesses, listedAccesses: operations.compactMap(\.rangerAccessType),
                               conditions: conditions, delegateAdmin: false)
        let label = "\(principal) \(permission.rawValue) \(operation.rawValue) on \(resourceType.rawValue):\(patternType.rawValue):\(resourceName) from \(host)"
        return Policy(
            id: id, name: label, version: nil, source: Self.source, type: .access, priority: 0, isEnabled: true,
            isAuditEnabled: true, isDenyAllElse: false, zone: nil,
            resources: [[resourceType.rangerResource: .init(patterns: [pattern], isExcludes: false, isRecursive: false)]],
            conditions: [], schedules: [], allowItems: permission == .allow ? [item] : [],
            denyItems: permission == .deny ? [item] : [], allowExceptions: [], denyExceptions: [], rowFilterItems: [],
            dataMaskItems: [], principalNames: (users, groups, [], groups.contains("public")))
    }
}
