import KafkaWire
import LogStorage
import NIOCore
import RecordLevel

/// Fetch: whole batches from each partition, waiting up to max_wait_ms for min_bytes.
/// No fetch sessions: every answer has session id 0, which tells clients to send full requests.
struct FetchHandler: ApiHandler {
    let state: BrokerState

    func handle(_ request: FetchRequest, context: RequestContext) async -> FetchResponse? {
        // READ on each topic, decided once for the request (before existence, as Kafka).
        let readable = context.allowedNames(request.topics.map(\.topic), .read, .topic)
        // Record-level rules (issue 7): topics absent from `plans` are served untouched.
        let plans = state.recordLevel.fetchPlans(readable, context: context)
        var response = read(request, readable: readable, plans: plans)
        let minBytes = max(Int(request.minBytes), 1)
        if request.maxWaitMs > 0, response.byteCount < minBytes, !response.hasErrors {
            await waitForData(request)
            response = read(request, readable: readable, plans: plans)
        }
        if !plans.isEmpty { state.recordLevel.auditFetch(response.recordLevel, plans: plans, context: context) }
        return response.message
    }

    private struct Assembled {
        var message = FetchResponse()
        var byteCount = 0
        var hasErrors = false
        var recordLevel: [String: RecordLevelSummary] = [:]
    }

    private func read(_ request: FetchRequest, readable: Set<String>, plans: [String: RecordLevelPlan]) -> Assembled {
        var out = Assembled()
        var budget = request.maxBytes > 0 ? Int(request.maxBytes) : Int.max
        let readCommitted = request.isolationLevel == 1
        for topic in request.topics {
            var partitions: [FetchResponse.PartitionData] = []
            for p in topic.partitions {
                var data = FetchResponse.PartitionData(partitionIndex: p.partition, highWatermark: -1,
                                                       abortedTransactions: readCommitted ? [] : nil, records: ByteBuffer())
                guard readable.contains(topic.topic) else {
                    data.errorCode = KafkaErrorCode.topicAuthorizationFailed.rawValue
                    out.hasErrors = true
                    partitions.append(data)
                    continue
                }
                if topic.topic == AuditTopic.name, let audit = state.auditTopic {
                    data = audit.fetch(data, offset: p.fetchOffset, maxBytes: out.byteCount == 0 ? max(Int(p.partitionMaxBytes), 1) : min(Int(p.partitionMaxBytes), budget))
                    let n = data.records?.readableBytes ?? 0
                    (out.byteCount, budget, out.hasErrors) = (out.byteCount + n, budget - n, out.hasErrors || data.errorCode != 0)
                    partitions.append(data)
                    continue
                }
                guard let log = state.logs.partition(TopicPartition(topic: topic.topic, partition: p.partition)) else {
                    data.errorCode = KafkaErrorCode.unknownTopicOrPartition.rawValue
                    out.hasErrors = true
                    partitions.append(data)
                    continue
                }
                // KIP-74: the first batch is returned whole even past the limits, so a
                // consumer always makes progress; after that the budgets apply.
                let limit = out.byteCount == 0 ? max(Int(p.partitionMaxBytes), 1) : min(Int(p.partitionMaxBytes), budget)
                do {
                    if limit > 0 {
                        let result = try log.read(from: p.fetchOffset, maxBytes: limit)
                        data.records = result.records
                        if let plan = plans[topic.topic] {
                            let (filtered, summary) = RecordBatchFilter.apply(plan, to: result.records)
                            data.records = filtered
                            out.recordLevel[topic.topic, default: RecordLevelSummary()].add(summary)
                        }
                        data.highWatermark = result.highWatermark
                        data.logStartOffset = result.logStartOffset
                        out.byteCount += result.records.readableBytes
                        budget -= result.records.readableBytes
                    } else {
                        data.highWatermark = log.logEndOffset
                        data.logStartOffset = log.logStartOffset
                    }
                    data.lastStableOffset = data.highWatermark
                } catch {
                    data.errorCode = error.errorCode.rawValue
                    data.highWatermark = log.logEndOffset
                    data.lastStableOffset = log.logEndOffset
                    data.logStartOffset = log.logStartOffset
                    out.hasErrors = true
                }
                partitions.append(data)
            }
            out.message.responses.append(.init(topic: topic.topic, partitions: partitions))
        }
        return out
    }

    /// Waits until any requested partition grows past the fetch offset, or max_wait_ms.
    private func waitForData(_ request: FetchRequest) async {
        let timeout = Duration.milliseconds(Int64(request.maxWaitMs))
        let targets = request.topics.flatMap { t in
            t.partitions.compactMap { p in
                state.logs.partition(TopicPartition(topic: t.topic, partition: p.partition)).map { ($0, p.fetchOffset) }
            }
        }
        let auditOffset = request.topics.first(where: { $0.topic == AuditTopic.name })?.partitions.first?.fetchOffset
        let audit = auditOffset == nil ? nil : state.auditTopic
        guard !targets.isEmpty || audit != nil else { return }
        await withTaskGroup(of: Void.self) { group in
            if let audit, let auditOffset { group.addTask { await audit.waitForEvents(after: auditOffset, timeout: timeout) } }
            for (log, offset) in targets {
                group.addTask { await log.waitForAppend(after: offset, timeout: timeout) }
            }
            // The first partition with data (or the first timeout) ends the wait.
            await group.next()
            group.cancelAll()
        }
    }
}
