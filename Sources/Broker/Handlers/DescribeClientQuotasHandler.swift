import KafkaWire

/// DescribeClientQuotas: the configured quota entities matching a filter, with their
/// values. DESCRIBE_CONFIGS on the cluster may describe, as in Kafka.
struct DescribeClientQuotasHandler: ApiHandler {
    let state: BrokerState

    func handle(_ request: DescribeClientQuotasRequest, context: RequestContext) async -> DescribeClientQuotasResponse? {
        guard context.isAllowed(cluster: .describeConfigs) else {
            return DescribeClientQuotasResponse(errorCode: KafkaErrorCode.clusterAuthorizationFailed.rawValue,
                                                errorMessage: "Cluster authorization failed.", entries: nil)
        }
        let filter: QuotaFilter
        switch QuotaFilter.parse(request.components.map { ($0.entityType, $0.matchType, $0.match) }, strict: request.strict) {
        case .success(let f): filter = f
        case .failure(let error):
            return DescribeClientQuotasResponse(errorCode: KafkaErrorCode.invalidRequest.rawValue, errorMessage: error.message, entries: nil)
        }
        let matching = state.quotas.quotas.entries.filter { filter.matches($0.key) }
            .sorted { $0.key.description < $1.key.description }
        return DescribeClientQuotasResponse(errorCode: 0, errorMessage: nil, entries: matching.map { entity, values in
            DescribeClientQuotasResponse.EntryData(
                entity: entity.components.map { .init(entityType: $0.type, entityName: $0.name) },
                values: values.sorted { $0.key < $1.key }.map { .init(key: $0.key, value: $0.value) })
        })
    }
}
