import KafkaWire
import LogStorage

/// DeleteRecords: moves each partition's log start offset (-1 means the high watermark).
struct DeleteRecordsHandler: ApiHandler {
    let state: BrokerState

    func handle(_ request: DeleteRecordsRequest, context: RequestContext) async -> DeleteRecordsResponse? {
        let deletable = context.allowedNames(request.topics.map(\.name), .delete, .topic)
        return DeleteRecordsResponse(topics: request.topics.map { topic in
            .init(name: topic.name, partitions: topic.partitions.map { p in
                guard deletable.contains(topic.name) else {
                    return .init(partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode: KafkaErrorCode.topicAuthorizationFailed.rawValue)
                }
                guard topic.name != AuditTopic.name else {
                    return .init(partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode: KafkaErrorCode.invalidTopicException.rawValue)
                }
                guard let log = state.logs.partition(TopicPartition(topic: topic.name, partition: p.partitionIndex)) else {
                    return .init(partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode: KafkaErrorCode.unknownTopicOrPartition.rawValue)
                }
                let target = p.offset == -1 ? log.logEndOffset : p.offset
                guard target >= 0, target <= log.logEndOffset else {
                    return .init(partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode: KafkaErrorCode.offsetOutOfRange.rawValue)
                }
                do throws(StorageError) {
                    return .init(partitionIndex: p.partitionIndex, lowWatermark: try log.deleteRecords(before: target))
                } catch {
                    return .init(partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode: error.errorCode.rawValue)
                }
            })
        })
    }
}
