import AuditLog
import Foundation
import Logging
import PolicyEngine

/// Answers the checks a request needs, in one batched call to the policy engine.
///
/// Off (no `authorizer.class.name` and no `bulwark.policy.dir`) every check passes, as in
/// Kafka without an authorizer. On, the principal's short name (`User:alice` → `alice`)
/// and the client address go to the evaluator of the snapshot in force.
final class BrokerAuthorizer: Sendable {
    let store: PolicyStore?
    private let osGroups: OSGroupResolver?
    private let logger: Logger

    init(store: PolicyStore?, osGroups: OSGroupResolver? = nil, logger: Logger) {
        self.store = store
        self.osGroups = osGroups
        self.logger = logger
    }

    /// The engine's view of the connection's principal, with its OS groups when configured
    /// (the principals file adds its own groups and roles in the snapshot).
    func principal(_ context: RequestContext) -> Principal {
        var principal = Principal(kafkaPrincipal: context.principal)
        if let osGroups { principal.groups = osGroups.groups(of: principal.user) }
        return principal
    }

    var isEnabled: Bool { store != nil }

    func authorize(_ checks: [AuthorizationCheck], context: RequestContext) -> [Bool] {
        guard let store, !checks.isEmpty else { return Array(repeating: true, count: checks.count) }
        let evaluator = store.evaluator
        let decisions = evaluator.authorize(
            checks.map { AccessRequest.kafka($0.resourceType, $0.name, $0.operation) },
            principal: principal(context),
            clientAddress: context.clientAddress
        )
        for (check, decision) in zip(checks, decisions) {
            // Every decision is audited (identical allowed ones are summarised by the log).
            var event = context.auditEvent(.authorization, resourceType: check.resourceType.auditName,
                                           resourceName: check.name,
                                           access: check.operation.rangerAccessType ?? check.operation.rawValue.lowercased(),
                                           result: decision.isAllowed ? .allowed : .denied, reason: decision.reason)
            // Ranger policies by their id; ACL-derived ones as `acl:<n>` (their own id space).
            event.policyId = decision.policyId.map { decision.policySource == KafkaAclBinding.source ? "acl:\($0)" : "\($0)" } ?? ""
            event.policyVersion = decision.snapshotVersion
            context.audit.record(event, trail: context.auditTrail)
            guard !decision.isAllowed else { continue }
            BrokerMetrics.denial(resourceType: check.resourceType.auditName)
            logger.info("denied", metadata: [
                "principal": "\(context.principal)", "client": "\(context.clientAddress)",
                "operation": "\(check.operation.rawValue)", "resource": "\(check.resourceType.rawValue):\(check.name)",
                "api": "\(context.apiKey.name) v\(context.apiVersion)", "policy.version": "\(decision.snapshotVersion)",
                "reason": "\(decision.reason)",
            ])
        }
        return decisions.map(\.isAllowed)
    }
}

extension RequestContext {
    /// Whether each check passes, in order (one engine call for all of them).
    func authorize(_ checks: [AuthorizationCheck]) -> [Bool] {
        authorizer.authorize(checks, context: self)
    }

    func isAllowed(_ operation: KafkaOperation, _ type: KafkaResourceType, _ name: String) -> Bool {
        authorize([AuthorizationCheck(operation, type, name)])[0]
    }

    func isAllowed(cluster operation: KafkaOperation) -> Bool {
        authorize([.cluster(operation)])[0]
    }

    /// The names among `names` for which `operation` on `type` is allowed.
    func allowedNames(_ names: some Collection<String>, _ operation: KafkaOperation, _ type: KafkaResourceType) -> Set<String> {
        let unique = Array(Set(names))
        let allowed = authorize(unique.map { AuthorizationCheck(operation, type, $0) })
        return Set(zip(unique, allowed).filter(\.1).map(\.0))
    }
}

extension KafkaResourceType {
    /// The resource type as audit events and `bulwark audit query --resource type:name` name it.
    var auditName: String {
        switch self {
        case .topic: "topic"
        case .group: "group"
        case .cluster: "cluster"
        case .transactionalId: "transactional_id"
        case .delegationToken: "delegation_token"
        }
    }
}
