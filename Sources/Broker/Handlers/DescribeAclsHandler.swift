import KafkaWire
import PolicyEngine

/// DescribeAcls: needs DESCRIBE on the cluster; the stored ACLs matching the filter,
/// grouped by resource pattern.
struct DescribeAclsHandler: ApiHandler {
    let state: BrokerState

    func handle(_ request: DescribeAclsRequest, context: RequestContext) async -> DescribeAclsResponse? {
        guard state.authorizer.isEnabled else {
            return DescribeAclsResponse(errorCode: KafkaErrorCode.securityDisabled.rawValue,
                                        errorMessage: "No authorizer is configured.")
        }
        guard context.isAllowed(cluster: .describe) else {
            return DescribeAclsResponse(errorCode: KafkaErrorCode.clusterAuthorizationFailed.rawValue, errorMessage: nil)
        }
        guard let filter = AclFilter(resourceType: request.resourceTypeFilter, name: request.resourceNameFilter,
                                     patternType: request.patternTypeFilter, principal: request.principalFilter,
                                     host: request.hostFilter, operation: request.operation,
                                     permission: request.permissionType)
        else {
            return DescribeAclsResponse(errorCode: KafkaErrorCode.invalidRequest.rawValue,
                                        errorMessage: "The filter has an UNKNOWN or invalid field.")
        }
        return DescribeAclsResponse(errorCode: 0, errorMessage: nil,
                                    resources: Self.grouped(state.acls.all.filter(filter.matches)))
    }

    /// Bindings grouped by (type, name, pattern), in first-seen order.
    static func grouped(_ bindings: [KafkaAclBinding]) -> [DescribeAclsResponse.DescribeAclsResource] {
        var out: [DescribeAclsResponse.DescribeAclsResource] = []
        for b in bindings {
            let acl = DescribeAclsResponse.AclDescription(principal: b.principal, host: b.host, operation: b.operation.code,
                                                         permissionType: b.permission.code)
            if let i = out.firstIndex(where: { $0.resourceType == b.resourceType.code && $0.resourceName == b.resourceName
                                                 && $0.patternType == b.patternType.code }) {
                out[i].acls.append(acl)
            } else {
                out.append(.init(resourceType: b.resourceType.code, resourceName: b.resourceName,
                                 patternType: b.patternType.code, acls: [acl]))
            }
        }
        return out
    }
}
