import KafkaWire

/// OffsetFetch: DESCRIBE on the group (else GROUP_AUTHORIZATION_FAILED) and on each topic:
/// a named topic without it answers TOPIC_AUTHORIZATION_FAILED per partition, and an
/// all-topics fetch silently leaves it out, as Kafka does.
struct OffsetFetchHandler: ApiHandler {
    let state: BrokerState

    func handle(_ request: OffsetFetchRequest, context: RequestContext) async -> OffsetFetchResponse? {
        let groupIds = context.apiVersion >= 8 ? request.groups.map(\.groupId) : [request.groupId]
        let describable = context.allowedNames(groupIds, .describe, .group)
        if context.apiVersion < 8, !describable.contains(request.groupId) {
            if context.apiVersion >= 2 { return OffsetFetchResponse(errorCode: Self.groupDenied) }
            return OffsetFetchResponse(topics: (request.topics ?? []).map { topic in
                .init(name: topic.name, partitions: topic.partitionIndexes.map {
                    .init(partitionIndex: $0, committedOffset: -1, metadata: "", errorCode: Self.groupDenied)
                })
            })
        }
        var response = await state.groups.offsetFetch(request, version: context.apiVersion)
        if context.apiVersion >= 8 {
            let topicNames = response.groups.flatMap { $0.topics.map(\.name) }
            let readable = context.allowedNames(topicNames, .describe, .topic)
            for (i, group) in response.groups.enumerated() {
                guard describable.contains(group.groupId) else {
                    response.groups[i] = .init(groupId: group.groupId, errorCode: Self.groupDenied)
                    continue
                }
                let named = request.groups.first { $0.groupId == group.groupId }?.topics != nil
                if !named { response.groups[i].topics.removeAll { !readable.contains($0.name) } }
                for t in response.groups[i].topics.indices where !readable.contains(response.groups[i].topics[t].name) {
                    for p in response.groups[i].topics[t].partitions.indices {
                        response.groups[i].topics[t].partitions[p].committedOffset = -1
                        response.groups[i].topics[t].partitions[p].metadata = ""
                        response.groups[i].topics[t].partitions[p].errorCode = Self.topicDenied
                    }
                }
            }
            return response
        }
        let readable = context.allowedNames(response.topics.map(\.name), .describe, .topic)
        if request.topics == nil { response.topics.removeAll { !readable.contains($0.name) } }
        for t in response.topics.indices where !readable.contains(response.topics[t].name) {
            for p in response.topics[t].partitions.indices {
                response.topics[t].partitions[p].committedOffset = -1
                response.topics[t].partitions[p].metadata = ""
                response.topics[t].partitions[p].errorCode = Self.topicDenied
            }
        }
        return response
    }

    private static let groupDenied = KafkaErrorCode.groupAuthorizationFailed.rawValue
    private static let topicDenied = KafkaErrorCode.topicAuthorizationFailed.rawValue
}
