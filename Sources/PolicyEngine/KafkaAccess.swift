/// Kafka's resource types and operations, and how they map onto the Ranger Kafka service
/// definition — the same mapping as Ranger's Kafka plugin (`RangerKafkaAuthorizer`'s
/// `mapToResourceType` and `mapToRangerAccessType`):
///
/// | Kafka resource type | Ranger resource | | Kafka operation | Ranger access type |
/// |---|---|---|---|---|
/// | TOPIC | `topic` | | READ | `consume` |
/// | GROUP | `consumergroup` | | WRITE | `publish` |
/// | CLUSTER | `cluster` | | CREATE | `create` |
/// | TRANSACTIONAL_ID | `transactionalid` | | DELETE | `delete` |
/// | DELEGATION_TOKEN | `delegationtoken` | | ALTER | `configure` |
/// | | | | DESCRIBE | `describe` |
/// | | | | CLUSTER_ACTION | `cluster_action` |
/// | | | | DESCRIBE_CONFIGS | `describe_configs` |
/// | | | | ALTER_CONFIGS | `alter_configs` |
/// | | | | IDEMPOTENT_WRITE | `idempotent_write` |
/// | | | | ALL | none: Ranger denies it (Kafka never asks for ALL) |
///
/// The service definition's implied grants then apply: `kafka_admin` grants every other
/// access type; `publish`, `consume`, `configure` and `delete` grant `describe`;
/// `alter_configs` grants `describe_configs`. Beyond Ranger, an IDEMPOTENT_WRITE on the
/// cluster that no policy decides is allowed when the principal may `publish` to some
/// topic (Kafka's KIP-679 rule); see `PolicyEvaluator`.
public enum KafkaResourceType: String, Sendable, Hashable, CaseIterable {
    case topic = "TOPIC"
    case group = "GROUP"
    case cluster = "CLUSTER"
    case transactionalId = "TRANSACTIONAL_ID"
    case delegationToken = "DELEGATION_TOKEN"

    /// The Ranger resource name in the Kafka service definition.
    public var rangerResource: String {
        switch self {
        case .topic: "topic"
        case .group: "consumergroup"
        case .cluster: "cluster"
        case .transactionalId: "transactionalid"
        case .delegationToken: "delegationtoken"
        }
    }

    /// Kafka's wire code (`ResourceType` in the ACL APIs).
    public var code: Int8 {
        switch self {
        case .topic: 2
        case .group: 3
        case .cluster: 4
        case .transactionalId: 5
        case .delegationToken: 6
        }
    }

    public init?(code: Int8) {
        guard let match = Self.allCases.first(where: { $0.code == code }) else { return nil }
        self = match
    }
}

public enum KafkaOperation: String, Sendable, Hashable, CaseIterable {
    case all = "ALL"
    case read = "READ"
    case write = "WRITE"
    case create = "CREATE"
    case delete = "DELETE"
    case alter = "ALTER"
    case describe = "DESCRIBE"
    case clusterAction = "CLUSTER_ACTION"
    case describeConfigs = "DESCRIBE_CONFIGS"
    case alterConfigs = "ALTER_CONFIGS"
    case idempotentWrite = "IDEMPOTENT_WRITE"

    /// The Ranger access type, or nil for ALL (which Ranger's plugin refuses to map).
    public var rangerAccessType: String? {
        switch self {
        case .all: nil
        case .read: "consume"
        case .write: "publish"
        case .create: "create"
        case .delete: "delete"
        case .alter: "configure"
        case .describe: "describe"
        case .clusterAction: "cluster_action"
        case .describeConfigs: "describe_configs"
        case .alterConfigs: "alter_configs"
        case .idempotentWrite: "idempotent_write"
        }
    }

    /// Kafka's wire code (`AclOperation`: ALL=2, READ=3, … IDEMPOTENT_WRITE=12).
    public var code: Int8 {
        switch self {
        case .all: 2
        case .read: 3
        case .write: 4
        case .create: 5
        case .delete: 6
        case .alter: 7
        case .describe: 8
        case .clusterAction: 9
        case .describeConfigs: 10
        case .alterConfigs: 11
        case .idempotentWrite: 12
        }
    }

    public init?(code: Int8) {
        guard let match = Self.allCases.first(where: { $0.code == code }) else { return nil }
        self = match
    }

    /// What an ALLOW binding for this operation permits, under Kafka's ACL rules: ALL
    /// implies every operation; READ, WRITE, DELETE and ALTER imply DESCRIBE;
    /// ALTER_CONFIGS implies DESCRIBE_CONFIGS. (A DENY binding denies only itself, or
    /// everything for ALL.)
    public var allowedOperations: [KafkaOperation] {
        switch self {
        case .all: Self.allCases.filter { $0 != .all }
        case .read, .write, .delete, .alter: [self, .describe]
        case .alterConfigs: [self, .describeConfigs]
        default: [self]
        }
    }
}

extension AccessRequest {
    /// A Kafka action as a Ranger request on the built-in Kafka service definition.
    /// ALL has no Ranger access type: it becomes `"ALL"`, which no policy grants.
    public static func kafka(_ type: KafkaResourceType, _ name: String, _ operation: KafkaOperation) -> AccessRequest {
        AccessRequest(resource: [type.rangerResource: name], accessType: operation.rangerAccessType ?? operation.rawValue)
    }
}
