import KafkaWire

/// AlterConfigs: replaces a topic's whole override set. Broker configs are static.
struct AlterConfigsHandler: ApiHandler {
    let state: BrokerState

    func handle(_ request: AlterConfigsRequest, context: RequestContext) async -> AlterConfigsResponse? {
        AlterConfigsResponse(responses: request.resources.map { resource in
            var overrides: [String: String] = [:]
            for config in resource.configs {
                if let value = config.value { overrides[config.name] = value }
            }
            let outcome = TopicConfigChange.apply(overrides, to: resource.resourceType, name: resource.resourceName,
                                                  validateOnly: request.validateOnly, state: state)
            return .init(errorCode: outcome.code.rawValue, errorMessage: outcome.message,
                         resourceType: resource.resourceType, resourceName: resource.resourceName)
        })
    }
}
