import PolicyEngine

/// One thing a request needs before it is served: a Kafka operation on a named resource
/// (the cluster's name is `kafka-cluster`).
struct AuthorizationCheck: Hashable, Sendable {
    var resourceType: KafkaResourceType
    var name: String
    var operation: KafkaOperation

    init(_ operation: KafkaOperation, _ resourceType: KafkaResourceType, _ name: String) {
        self.resourceType = resourceType
        self.name = name
        self.operation = operation
    }

    static let clusterName = "kafka-cluster"

    static func cluster(_ operation: KafkaOperation) -> AuthorizationCheck {
        AuthorizationCheck(operation, .cluster, clusterName)
    }
}
