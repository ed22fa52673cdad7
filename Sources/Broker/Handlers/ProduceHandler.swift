import KafkaWire
import LogStorage
import NIOCore

/// Produce: validate each partition's batch, append it, and answer per partition.
/// acks=all in group-commit mode waits for the fsync that covers the append.
struct ProduceHandler: ApiHandler {
    let state: BrokerState

    typealias PartitionResponse = ProduceResponse.PartitionProduceResponse

    func handle(_ request: ProduceRequest, context: RequestContext) async -> ProduceResponse? {
        let acks = request.acks
        var response = ProduceResponse()
        for topic in request.topicData {
            var partitions: [PartitionResponse] = []
            for data in topic.partitionData {
                var result: PartitionResponse
                if acks != 0 && acks != 1 && acks != -1 {
                    result = PartitionResponse(index: data.index, errorCode: KafkaErrorCode.invalidRequiredAcks.rawValue)
                } else if request.transactionalId != nil {
                    result = failure(data.index, .invalidRecord, "transactions are not supported by this broker")
                } else {
                    result = await append(topic: topic.name, data, acks: acks, version: context.apiVersion)
                }
                partitions.append(result)
            }
            response.responses.append(.init(name: topic.name, partitionResponses: partitions))
        }
        return acks == 0 ? nil : response
    }

    private func append(topic: String, _ data: ProduceRequest.PartitionProduceData, acks: Int16, version: Int16) async -> PartitionResponse {
        guard let log = state.logs.partition(TopicPartition(topic: topic, partition: data.index)),
              let config = state.logs.config(of: topic)
        else {
            return PartitionResponse(index: data.index, errorCode: KafkaErrorCode.unknownTopicOrPartition.rawValue)
        }
        guard let records = data.records else {
            return failure(data.index, .invalidRecord, "null records")
        }
        var validator = RecordBatchValidator()
        validator.maxBatchBytes = config.maxMessageBytes
        validator.allowZstd = version >= 7
        let validated: ValidatedRecords
        do {
            validated = try validator.validate(records)
        } catch {
            var r = failure(data.index, error.errorCode, error.message)
            if let index = error.recordIndex {
                r.recordErrors = [.init(batchIndex: Int32(index), batchIndexErrorMessage: error.message)]
            }
            return r
        }
        do {
            let appended = try log.append(records, validated: validated, now: BrokerState.nowMs())
            if acks == -1 {
                try await log.waitUntilDurable(appended.lastOffset)
            }
            return PartitionResponse(
                index: data.index,
                baseOffset: appended.baseOffset,
                logAppendTimeMs: appended.logAppendTime,
                logStartOffset: appended.logStartOffset
            )
        } catch {
            return failure(data.index, error.errorCode, error.message)
        }
    }

    private func failure(_ index: Int32, _ code: KafkaErrorCode, _ message: String) -> PartitionResponse {
        PartitionResponse(index: index, errorCode: code.rawValue, baseOffset: -1, logAppendTimeMs: -1,
                          logStartOffset: -1, errorMessage: message)
    }
}
