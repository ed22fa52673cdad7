import KafkaWire
import LogStorage

/// OffsetCommit: served by the group coordinator, which asks the log which partitions exist.
struct OffsetCommitHandler: ApiHandler {
    let state: BrokerState

    func handle(_ request: OffsetCommitRequest, context: RequestContext) async -> OffsetCommitResponse? {
        let logs = state.logs
        return await state.groups.offsetCommit(request, version: context.apiVersion) { topic, partition in
            logs.partition(TopicPartition(topic: topic, partition: partition)) != nil
        }
    }
}
