import KafkaWire

/// IncrementalAlterConfigs: SET (0), DELETE (1), APPEND (2), SUBTRACT (3) on a topic's overrides.
struct IncrementalAlterConfigsHandler: ApiHandler {
    let state: BrokerState

    func handle(_ request: IncrementalAlterConfigsRequest, context: RequestContext) async -> IncrementalAlterConfigsResponse? {
        let denials = ConfigResources.authorize(request.resources.map { ($0.resourceType, $0.resourceName) },
                                                .alterConfigs, context: context)
        return IncrementalAlterConfigsResponse(responses: zip(request.resources, denials).map { resource, denial in
            var outcome: (code: KafkaErrorCode, message: String?)
            if let denial {
                outcome = (denial, nil)
            } else if resource.resourceType == ConfigResources.topic, let topic = state.logs.topics()[resource.resourceName] {
                var overrides = topic.overrides
                outcome = (.none, nil)
                for config in resource.configs {
                    switch config.configOperation {
                    case 0:
                        overrides[config.name] = config.value
                    case 1:
                        overrides[config.name] = nil
                    case 2, 3:
                        // Only list-valued keys take APPEND/SUBTRACT; cleanup.policy is the one topic list.
                        guard config.name == "cleanup.policy", let value = config.value else {
                            outcome = (.invalidConfig, "\(config.name) is not a list; APPEND/SUBTRACT do not apply")
                            continue
                        }
                        var items = (overrides[config.name] ?? "delete").split(separator: ",").map(String.init)
                        if config.configOperation == 2 { if !items.contains(value) { items.append(value) } } else { items.removeAll { $0 == value } }
                        overrides[config.name] = items.joined(separator: ",")
                    default:
                        outcome = (.invalidRequest, "unknown config operation \(config.configOperation)")
                    }
                }
                if outcome.code == .none {
                    outcome = TopicConfigChange.apply(overrides, to: resource.resourceType, name: resource.resourceName,
                                                      validateOnly: request.validateOnly, state: state, context: context)
                }
            } else {
                outcome = TopicConfigChange.apply([:], to: resource.resourceType, name: resource.resourceName,
                                                  validateOnly: true, state: state, context: context)
            }
            return .init(errorCode: outcome.code.rawValue, errorMessage: outcome.message,
                         resourceType: resource.resourceType, resourceName: resource.resourceName)
        })
    }
}
