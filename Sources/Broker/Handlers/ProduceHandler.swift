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
        // Append every partition first, then wait for durability: the waits then share one
        // group-commit flush instead of paying a flush per partition.
        var pending: [(topic: Int, partition: Int, log: PartitionLog, lastOffset: Int64)] = []
        // WRITE on each topic, checked before the topic's existence (29 before 3, as Kafka).
        let writable = context.allowedNames(request.topicData.map(\.name), .write, .topic)
        let transactionDenied = request.transactionalId.map { !context.isAllowed(.write, .transactionalId, $0) } ?? false
        for (t, topic) in request.topicData.enumerated() {
            var partitions: [PartitionResponse] = []
            for data in topic.partitionData {
                if transactionDenied {
                    partitions.append(PartitionResponse(index: data.index,
                                                        errorCode: KafkaErrorCode.transactionalIdAuthorizationFailed.rawValue))
                } else if !writable.contains(topic.name) {
                    partitions.append(PartitionResponse(index: data.index, errorCode: KafkaErrorCode.topicAuthorizationFailed.rawValue))
                } else if topic.name == AuditTopic.name {
                    partitions.append(failure(data.index, .invalidTopicException, AuditTopic.refusal("Produce")))
                } else if acks != 0 && acks != 1 && acks != -1 {
                    partitions.append(PartitionResponse(index: data.index, errorCode: KafkaErrorCode.invalidRequiredAcks.rawValue))
                } else if request.transactionalId != nil {
                    partitions.append(failure(data.index, .invalidRecord, "transactions are not supported by this broker"))
                } else {
                    let (result, appended) = append(topic: topic.name, data, context: context)
                    if acks == -1, let appended {
                        pending.append((t, partitions.count, appended.log, appended.lastOffset))
                    }
                    partitions.append(result)
                }
            }
            response.responses.append(.init(name: topic.name, partitionResponses: partitions))
        }
        for p in pending {
            do {
                try await p.log.waitUntilDurable(p.lastOffset)
            } catch {
                let index = response.responses[p.topic].partitionResponses[p.partition].index
                response.responses[p.topic].partitionResponses[p.partition] = failure(index, error.errorCode, error.message)
            }
        }
        return acks == 0 ? nil : response
    }

    /// Validates and appends one partition's records; returns the answer and, when
    /// appended, the log and last offset that durability waits on.
    private func append(topic: String, _ data: ProduceRequest.PartitionProduceData, context: RequestContext)
        -> (PartitionResponse, (log: PartitionLog, lastOffset: Int64)?)
    {
        let version = context.apiVersion
        guard let log = state.logs.partition(TopicPartition(topic: topic, partition: data.index)),
              let config = state.logs.config(of: topic)
        else {
            return (PartitionResponse(index: data.index, errorCode: KafkaErrorCode.unknownTopicOrPartition.rawValue), nil)
        }
        guard let records = data.records else {
            return (failure(data.index, .invalidRecord, "null records"), nil)
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
            return (r, nil)
        }
        // Record-level produce rules (issue 7): a violating batch is refused whole.
        if let rejected = state.recordLevel.produceRejection(topic: topic, partition: data.index, records: records, context: context) {
            return (rejected, nil)
        }
        do {
            let appended = try log.append(records, validated: validated, now: BrokerState.nowMs())
            BrokerMetrics.bytesIn(topic: topic, bytes: records.readableBytes)
            return (PartitionResponse(
                index: data.index,
                baseOffset: appended.baseOffset,
                logAppendTimeMs: appended.logAppendTime,
                logStartOffset: appended.logStartOffset
            ), (log, appended.lastOffset))
        } catch {
            return (failure(data.index, error.errorCode, error.message), nil)
        }
    }

    private func failure(_ index: Int32, _ code: KafkaErrorCode, _ message: String) -> PartitionResponse {
        PartitionResponse(index: index, errorCode: code.rawValue, baseOffset: -1, logAppendTimeMs: -1,
                          logStartOffset: -1, errorMessage: message)
    }
}
