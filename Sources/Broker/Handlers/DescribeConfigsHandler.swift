import KafkaWire

/// DescribeConfigs for topics and for this broker.
struct DescribeConfigsHandler: ApiHandler {
    let state: BrokerState

    typealias Result = DescribeConfigsResponse.DescribeConfigsResult

    func handle(_ request: DescribeConfigsRequest, context: RequestContext) async -> DescribeConfigsResponse? {
        let denials = ConfigResources.authorize(request.resources.map { ($0.resourceType, $0.resourceName) },
                                                .describeConfigs, context: context)
        return DescribeConfigsResponse(results: zip(request.resources, denials).map { resource, denial in
            var result = Result(resourceType: resource.resourceType, resourceName: resource.resourceName)
            if let denial {
                result.errorCode = denial.rawValue
                return result
            }
            let entries: [ConfigResources.Entry]
            switch resource.resourceType {
            case ConfigResources.topic:
                guard let topic = state.logs.topics()[resource.resourceName],
                      let topicEntries = ConfigResources.topicEntries(overrides: topic.overrides, state: state)
                else {
                    result.errorCode = KafkaErrorCode.unknownTopicOrPartition.rawValue
                    result.errorMessage = "unknown topic '\(resource.resourceName)'"
                    return result
                }
                entries = topicEntries
            case ConfigResources.broker:
                guard resource.resourceName.isEmpty || resource.resourceName == "\(state.nodeId)" else {
                    result.errorCode = KafkaErrorCode.invalidRequest.rawValue
                    result.errorMessage = "unknown broker '\(resource.resourceName)'"
                    return result
                }
                entries = ConfigResources.brokerEntries(state: state)
            default:
                result.errorCode = KafkaErrorCode.invalidRequest.rawValue
                result.errorMessage = "unsupported resource type \(resource.resourceType)"
                return result
            }
            let wanted = resource.configurationKeys.map(Set.init)
            result.configs = entries.filter { wanted?.contains($0.name) ?? true }.map { e in
                .init(name: e.name, value: e.value, readOnly: e.readOnly, configSource: e.source, isSensitive: false,
                      synonyms: request.includeSynonyms ? [.init(name: e.name, value: e.value, source: e.source)] : [])
            }
            return result
        })
    }
}
