import KafkaWire
import LogStorage

/// OffsetForLeaderEpoch: a single node has had one leader epoch, 0, since the start,
/// so every epoch ≥ 0 ends at the log end offset.
struct OffsetForLeaderEpochHandler: ApiHandler {
    let state: BrokerState

    func handle(_ request: OffsetForLeaderEpochRequest, context: RequestContext) async -> OffsetForLeaderEpochResponse? {
        let describable = context.allowedNames(request.topics.map(\.topic), .describe, .topic)
        return OffsetForLeaderEpochResponse(topics: request.topics.map { topic in
            .init(topic: topic.topic, partitions: topic.partitions.map { p in
                guard describable.contains(topic.topic) else {
                    return .init(errorCode: KafkaErrorCode.topicAuthorizationFailed.rawValue, partition: p.partition, leaderEpoch: -1, endOffset: -1)
                }
                guard let log = state.logs.partition(TopicPartition(topic: topic.topic, partition: p.partition)) else {
                    return .init(errorCode: KafkaErrorCode.unknownTopicOrPartition.rawValue, partition: p.partition, leaderEpoch: -1, endOffset: -1)
                }
                if p.currentLeaderEpoch > 0 {
                    return .init(errorCode: KafkaErrorCode.unknownLeaderEpoch.rawValue, partition: p.partition, leaderEpoch: -1, endOffset: -1)
                }
                if p.leaderEpoch < 0 {
                    return .init(partition: p.partition, leaderEpoch: -1, endOffset: -1)
                }
                return .init(partition: p.partition, leaderEpoch: 0, endOffset: log.logEndOffset)
            })
        })
    }
}
