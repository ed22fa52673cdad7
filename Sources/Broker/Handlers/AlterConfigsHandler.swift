import KafkaWire

/// AlterConfigs: replaces a topic's whole override set. Broker configs are static.
struct AlterConfigsHandler: ApiHandler {
    let state: BrokerState

    func handle(_ request: AlterConfigsRequest, context: RequestContext) async -> AlterConfigsResponse? {
        let denials = ConfigResources.authorize(request.resources.map { ($0.resourceType, $0.resourceName) },
                                                .alterConfigs, context: context)
        return AlterConfigsResponse(responses: zip(request.resources, denials).map { resource, denial in
            if let denial {
                return .init(errorCode: denial.rawValue, errorMessage: nil, resourceType: resource.resourceType,
                             resourceName: resource.resourceName)
            }
            var overrides: [String: String] = [:]
            for config in resource.configs {
                if let value = config.value { overrides[config.name] = value }
            }
            let outcome = TopicConfigChange.apply(overrides, to: resource.resourceType, name: resource.resourceName,
                                                  validateOnly: request.validateOnly, state: state, context: context)
            return .init(errorCode: outcome.code.rawValue, errorMessage: outcome.message,
                         resourceType: resource.resourceType, resourceName: resource.resourceName)
        })
    }
}
