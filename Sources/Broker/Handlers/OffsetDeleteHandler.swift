import KafkaWire

/// OffsetDelete: DELETE on the group (else GROUP_AUTHORIZATION_FAILED) and READ on each
/// topic (else its partitions TOPIC_AUTHORIZATION_FAILED, nothing deleted for them).
struct OffsetDeleteHandler: ApiHandler {
    let state: BrokerState

    func handle(_ request: OffsetDeleteRequest, context: RequestContext) async -> OffsetDeleteResponse? {
        guard context.isAllowed(.delete, .group, request.groupId) else {
            return OffsetDeleteResponse(errorCode: KafkaErrorCode.groupAuthorizationFailed.rawValue)
        }
        let readable = context.allowedNames(request.topics.map(\.name), .read, .topic)
        var permitted = request
        permitted.topics.removeAll { !readable.contains($0.name) }
        var response = await state.groups.offsetDelete(permitted, version: context.apiVersion)
        guard response.errorCode == 0 else { return response }
        response.topics += request.topics.filter { !readable.contains($0.name) }.map { topic in
            .init(name: topic.name, partitions: topic.partitions.map {
                .init(partitionIndex: $0.partitionIndex, errorCode: KafkaErrorCode.topicAuthorizationFailed.rawValue)
            })
        }
        return response
    }
}
