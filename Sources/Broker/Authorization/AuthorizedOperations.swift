import PolicyEngine

/// The `*_authorized_operations` bit fields of Metadata, DescribeCluster and
/// DescribeGroups: bit `code` is set for each operation the principal may perform.
///
/// Kafka computes these without auditing them (they are a preview, not an access), so they
/// do not go through `RequestContext.authorize`.
enum AuthorizedOperations {
    /// What a client asked nothing of: Kafka's "not requested" value.
    static let omitted = Int32.min

    /// The operations Kafka reports for each resource type (`AclEntry.supportedOperations`).
    static func supported(_ type: KafkaResourceType) -> [KafkaOperation] {
        switch type {
        case .topic: [.read, .write, .create, .describe, .delete, .alter, .describeConfigs, .alterConfigs]
        case .group: [.read, .describe, .delete]
        case .cluster: [.create, .clusterAction, .describeConfigs, .alterConfigs, .idempotentWrite, .alter, .describe]
        case .transactionalId: [.describe, .write]
        case .delegationToken: [.describe]
        }
    }

    static func bits(_ operations: some Sequence<KafkaOperation>) -> Int32 {
        operations.reduce(0) { $0 | (Int32(1) << Int32($1.code)) }
    }
}

extension BrokerAuthorizer {
    /// The bit field for each of `names`, in one engine call, unaudited.
    func authorizedOperations(_ type: KafkaResourceType, _ names: [String], context: RequestContext) -> [String: Int32] {
        let operations = AuthorizedOperations.supported(type)
        guard let store else {
            let all = AuthorizedOperations.bits(operations)
            return Dictionary(names.map { ($0, all) }, uniquingKeysWith: { a, _ in a })
        }
        let unique = Array(Set(names))
        let requests = unique.flatMap { name in operations.map { AccessRequest.kafka(type, name, $0) } }
        let decisions = store.evaluator.authorize(requests, principal: principal(context),
                                                  clientAddress: context.clientAddress)
        var out: [String: Int32] = [:]
        for (index, name) in unique.enumerated() {
            let slice = decisions[(index * operations.count)..<((index + 1) * operations.count)]
            out[name] = AuthorizedOperations.bits(zip(operations, slice).filter { $0.1.isAllowed }.map(\.0))
        }
        return out
    }
}

extension RequestContext {
    /// The bit fields for `names` when `requested`, else Kafka's "not requested" value.
    func authorizedOperations(_ type: KafkaResourceType, _ names: [String], requested: Bool) -> [String: Int32] {
        guard requested else { return [:] }
        return authorizer.authorizedOperations(type, names, context: self)
    }

    func clusterAuthorizedOperations(requested: Bool) -> Int32 {
        authorizedOperations(.cluster, [AuthorizationCheck.clusterName], requested: requested)[AuthorizationCheck.clusterName]
            ?? AuthorizedOperations.omitted
    }
}
