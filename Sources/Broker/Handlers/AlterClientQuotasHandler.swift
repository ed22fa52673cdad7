import KafkaWire

/// AlterClientQuotas: sets and removes quota values per entity. ALTER_CONFIGS on the
/// cluster may alter, as in Kafka. Each entry is checked on its own (its error is its
/// own); the valid ones are written together to `meta/quotas.json`, unless validate_only.
struct AlterClientQuotasHandler: ApiHandler {
    let state: BrokerState

    typealias Entry = AlterClientQuotasResponse.EntryData

    func handle(_ request: AlterClientQuotasRequest, context: RequestContext) async -> AlterClientQuotasResponse? {
        func echo(_ e: AlterClientQuotasRequest.EntryData) -> [AlterClientQuotasResponse.EntityData] {
            e.entity.map { .init(entityType: $0.entityType, entityName: $0.entityName) }
        }
        guard context.isAllowed(cluster: .alterConfigs) else {
            return AlterClientQuotasResponse(entries: request.entries.map {
                Entry(errorCode: KafkaErrorCode.clusterAuthorizationFailed.rawValue,
                      errorMessage: "Cluster authorization failed.", entity: echo($0))
            })
        }
        var results: [Entry] = []
        var changes: [(entity: QuotaEntity, ops: [(key: String, value: Double?)], index: Int)] = []
        for entry in request.entries {
            switch validate(entry) {
            case .success(let (entity, ops)):
                changes.append((entity, ops, results.count))
                results.append(Entry(errorCode: 0, errorMessage: nil, entity: echo(entry)))
            case .failure(let error):
                results.append(Entry(errorCode: KafkaErrorCode.invalidRequest.rawValue, errorMessage: error.message, entity: echo(entry)))
            }
        }
        guard !request.validateOnly, !changes.isEmpty else { return AlterClientQuotasResponse(entries: results) }
        do {
            let (before, after) = try state.quotas.update { quotas in
                for change in changes {
                    var values = quotas[change.entity]
                    for op in change.ops { values[op.key] = op.value }
                    quotas[change.entity] = values
                }
            }
            var audited = Set<QuotaEntity>()
            for change in changes where audited.insert(change.entity).inserted && before[change.entity] != after[change.entity] {
                context.auditAdmin("alter-client-quotas", resourceType: "client-quota", resourceName: change.entity.description,
                                   before: Self.text(before[change.entity]), after: Self.text(after[change.entity]))
            }
            state.logger.info("client quotas altered", metadata: [
                "principal": "\(context.principal)",
                "entities": "\(changes.map(\.entity.description).joined(separator: ","))",
            ])
        } catch {
            for change in changes {
                results[change.index].errorCode = KafkaErrorCode.unknownServerError.rawValue
                results[change.index].errorMessage = "quota store: \(error)"
            }
        }
        return AlterClientQuotasResponse(entries: results)
    }

    /// The entity and its operations (nil value: remove), or why the entry is invalid.
    private func validate(_ entry: AlterClientQuotasRequest.EntryData)
        -> Result<(QuotaEntity, [(key: String, value: Double?)]), QuotaRequestError> {
        let entity: QuotaEntity
        switch QuotaValidation.entity(entry.entity.map { ($0.entityType, $0.entityName) }) {
        case .success(let e): entity = e
        case .failure(let error): return .failure(error)
        }
        var seen = Set<String>()
        var ops: [(key: String, value: Double?)] = []
        for op in entry.ops {
            guard seen.insert(op.key).inserted else { return .failure("Duplicate quota key \(op.key) for entity \(entity)") }
            if op.remove {
                guard QuotaKey(rawValue: op.key) != nil else { return .failure("Invalid configuration key \(op.key)") }
                ops.append((op.key, nil))
            } else {
                if case .failure(let error) = QuotaValidation.value(op.key, op.value, for: entity) { return .failure(error) }
                ops.append((op.key, op.value))
            }
        }
        return .success((entity, ops))
    }

    /// `key=value` pairs in key order, for the audit event's before and after.
    private static func text(_ values: [String: Double]) -> String {
        values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.quotaText)" }.joined(separator: ",")
    }
}
