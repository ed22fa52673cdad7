import KafkaWire
import LogStorage

/// ListOffsets: earliest (-2), latest (-1), max timestamp (-3), or by timestamp.
struct ListOffsetsHandler: ApiHandler {
    let state: BrokerState

    func handle(_ request: ListOffsetsRequest, context: RequestContext) async -> ListOffsetsResponse? {
        var response = ListOffsetsResponse()
        let describable = context.allowedNames(request.topics.map(\.name), .describe, .topic)
        for topic in request.topics {
            let partitions = topic.partitions.map { p -> ListOffsetsResponse.ListOffsetsPartitionResponse in
                var r = ListOffsetsResponse.ListOffsetsPartitionResponse(
                    partitionIndex: p.partitionIndex, timestamp: -1, offset: -1, leaderEpoch: context.apiVersion >= 4 ? 0 : -1)
                guard describable.contains(topic.name) else {
                    r.errorCode = KafkaErrorCode.topicAuthorizationFailed.rawValue
                    return r
                }
                if topic.name == AuditTopic.name, let audit = state.auditTopic { return audit.listOffset(r, timestamp: p.timestamp) }
                guard let log = state.logs.partition(TopicPartition(topic: topic.name, partition: p.partitionIndex)) else {
                    r.errorCode = KafkaErrorCode.unknownTopicOrPartition.rawValue
                    return r
                }
                do throws(StorageError) {
                    switch p.timestamp {
                    case -2:
                        r.offset = log.logStartOffset
                    case -1:
                        r.offset = log.logEndOffset
                    case -3:
                        if let found = try log.maxTimestamp() {
                            (r.offset, r.timestamp) = (found.offset, found.timestamp)
                        }
                    default:
                        if let found = try log.offset(forTimestamp: p.timestamp) {
                            (r.offset, r.timestamp) = (found.offset, found.timestamp)
                        }
                    }
                } catch {
                    r.errorCode = error.errorCode.rawValue
                }
                return r
            }
            response.topics.append(.init(name: topic.name, partitions: partitions))
        }
        return response
    }
}
