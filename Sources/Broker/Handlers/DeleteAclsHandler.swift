import KafkaWire
import PolicyEngine

/// DeleteAcls: needs ALTER on the cluster; per filter, the stored ACLs it matched (and
/// removed). A filter with an UNKNOWN field gets INVALID_REQUEST and removes nothing.
struct DeleteAclsHandler: ApiHandler {
    let state: BrokerState

    typealias FilterResult = DeleteAclsResponse.DeleteAclsFilterResult

    func handle(_ request: DeleteAclsRequest, context: RequestContext) async -> DeleteAclsResponse? {
        guard let store = state.authorizer.store else {
            return DeleteAclsResponse(filterResults: request.filters.map { _ in
                FilterResult(errorCode: KafkaErrorCode.securityDisabled.rawValue, errorMessage: "No authorizer is configured.")
            })
        }
        guard context.isAllowed(cluster: .alter) else {
            return DeleteAclsResponse(filterResults: request.filters.map { _ in
                FilterResult(errorCode: KafkaErrorCode.clusterAuthorizationFailed.rawValue, errorMessage: nil)
            })
        }
        let filters = request.filters.map {
            AclFilter(resourceType: $0.resourceTypeFilter, name: $0.resourceNameFilter, patternType: $0.patternTypeFilter,
                      principal: $0.principalFilter, host: $0.hostFilter, operation: $0.operation,
                      permission: $0.permissionType)
        }
        var matched: [[KafkaAclBinding]] = Array(repeating: [], count: filters.count)
        var failure: String?
        do {
            try state.acls.update({ current in
                for (i, filter) in filters.enumerated() {
                    if let filter { matched[i] = current.filter(filter.matches) }
                }
                let removed = Set(matched.joined())
                return current.filter { !removed.contains($0) }
            }, accept: { try store.install(acls: $0) })
            for b in Set(matched.joined()) {
                context.auditAdmin("delete-acl", resourceType: b.resourceType.auditName, resourceName: b.resourceName,
                                   before: b.auditDescription)
            }
        } catch {
            failure = "\(error)"
        }
        return DeleteAclsResponse(filterResults: filters.indices.map { i in
            guard filters[i] != nil else {
                return FilterResult(errorCode: KafkaErrorCode.invalidRequest.rawValue,
                                    errorMessage: "The filter has an UNKNOWN or invalid field.")
            }
            if let failure { return FilterResult(errorCode: KafkaErrorCode.unknownServerError.rawValue, errorMessage: failure) }
            return FilterResult(errorCode: 0, errorMessage: nil, matchingAcls: matched[i].map { b in
                .init(errorCode: 0, errorMessage: nil, resourceType: b.resourceType.code, resourceName: b.resourceName,
                      patternType: b.patternType.code, principal: b.principal, host: b.host, operation: b.operation.code,
                      permissionType: b.permission.code)
            })
        })
    }
}
