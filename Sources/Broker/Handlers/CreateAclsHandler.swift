import KafkaWire
import PolicyEngine

/// CreateAcls: needs ALTER on the cluster. Each creation is validated as Kafka does
/// (INVALID_REQUEST with a message); the valid ones are stored together and take effect at
/// once through a new policy snapshot.
struct CreateAclsHandler: ApiHandler {
    let state: BrokerState

    typealias Result = CreateAclsResponse.AclCreationResult

    func handle(_ request: CreateAclsRequest, context: RequestContext) async -> CreateAclsResponse? {
        guard let store = state.authorizer.store else {
            return CreateAclsResponse(results: request.creations.map { _ in
                Result(errorCode: KafkaErrorCode.securityDisabled.rawValue, errorMessage: "No authorizer is configured.")
            })
        }
        guard context.isAllowed(cluster: .alter) else {
            return CreateAclsResponse(results: request.creations.map { _ in
                Result(errorCode: KafkaErrorCode.clusterAuthorizationFailed.rawValue, errorMessage: nil)
            })
        }
        var results: [Result] = []
        var valid: [(index: Int, binding: KafkaAclBinding)] = []
        for creation in request.creations {
            switch Self.binding(creation) {
            case .success(let binding):
                valid.append((results.count, binding))
                results.append(Result(errorCode: 0, errorMessage: nil))
            case .failure(let message):
                results.append(Result(errorCode: KafkaErrorCode.invalidRequest.rawValue, errorMessage: message.text))
            }
        }
        do {
            try state.acls.update({ current in
                var next = current
                for (_, b) in valid where !next.contains(b) { next.append(b) }
                return next
            }, accept: { try store.install(acls: $0) })
            for (_, b) in valid {
                context.auditAdmin("create-acl", resourceType: b.resourceType.auditName, resourceName: b.resourceName,
                                   after: b.auditDescription)
            }
        } catch {
            for (index, _) in valid {
                results[index] = Result(errorCode: KafkaErrorCode.invalidRequest.rawValue, errorMessage: "\(error)")
            }
        }
        return CreateAclsResponse(results: results)
    }

    struct Invalid: Error { var text: String }

    static func binding(_ c: CreateAclsRequest.AclCreation) -> Swift.Result<KafkaAclBinding, Invalid> {
        guard let type = KafkaResourceType(code: c.resourceType) else {
            return .failure(Invalid(text: "Invalid resource type \(c.resourceType)"))
        }
        guard let pattern = KafkaAclBinding.PatternType(code: c.resourcePatternType) else {
            return .failure(Invalid(text: "Invalid pattern type \(c.resourcePatternType)"))
        }
        guard let op = KafkaOperation(code: c.operation) else {
            return .failure(Invalid(text: "Invalid operation \(c.operation)"))
        }
        guard let permission = KafkaAclBinding.Permission(code: c.permissionType) else {
            return .failure(Invalid(text: "Invalid permission type \(c.permissionType)"))
        }
        guard !c.resourceName.isEmpty else { return .failure(Invalid(text: "Resource name should not be empty")) }
        guard let colon = c.principal.firstIndex(of: ":"), colon != c.principal.startIndex,
              c.principal.index(after: colon) != c.principal.endIndex
        else { return .failure(Invalid(text: "Could not parse principal from `\(c.principal)`")) }
        if type == .cluster, c.resourceName != AuthorizationCheck.clusterName {
            return .failure(Invalid(text: "The only valid name for the CLUSTER resource is kafka-cluster"))
        }
        return .success(KafkaAclBinding(principal: c.principal, host: c.host.isEmpty ? "*" : c.host, resourceType: type,
                                        resourceName: c.resourceName, patternType: pattern, operation: op,
                                        permission: permission))
    }
}
