import KafkaWire
import LogStorage

/// OffsetCommit: READ on the group (else every partition GROUP_AUTHORIZATION_FAILED) and
/// on each topic (else its partitions TOPIC_AUTHORIZATION_FAILED, not committed).
struct OffsetCommitHandler: ApiHandler {
    let state: BrokerState

    func handle(_ request: OffsetCommitRequest, context: RequestContext) async -> OffsetCommitResponse? {
        func denied(_ topics: [OffsetCommitRequest.OffsetCommitRequestTopic], _ code: KafkaErrorCode)
            -> [OffsetCommitResponse.OffsetCommitResponseTopic] {
            topics.map { topic in
                .init(name: topic.name, partitions: topic.partitions.map { .init(partitionIndex: $0.partitionIndex, errorCode: code.rawValue) })
            }
        }
        guard context.isAllowed(.read, .group, request.groupId) else {
            return OffsetCommitResponse(topics: denied(request.topics, .groupAuthorizationFailed))
        }
        let readable = context.allowedNames(request.topics.map(\.name), .read, .topic)
        var permitted = request
        permitted.topics.removeAll { !readable.contains($0.name) }
        let logs = state.logs
        let auditTopic = state.auditTopic != nil
        var response = await state.groups.offsetCommit(permitted, version: context.apiVersion) { topic, partition in
            logs.partition(TopicPartition(topic: topic, partition: partition)) != nil
                || (auditTopic && topic == AuditTopic.name && partition == 0)
        }
        response.topics += denied(request.topics.filter { !readable.contains($0.name) }, .topicAuthorizationFailed)
        return response
    }
}
