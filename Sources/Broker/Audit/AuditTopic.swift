import AuditLog
import KafkaWire
import NIOCore

/// `__bulwark_audit`: the audit log served as a read-only internal Kafka topic, so any
/// Kafka client with the right can follow it (a SIEM connector, kcat, a consumer group).
///
/// Nothing is copied into the topic log: Fetch, ListOffsets and Metadata read the audit
/// segments themselves. The mapping:
/// - one partition (0); **offset = audit sequence number**. Checkpoints also take sequence
///   numbers but are not served, so offsets have gaps (as in a compacted topic) and the
///   first offset is 1, not 0;
/// - the high watermark is one past the last event that is fsynced (`durableEnd`): a
///   consumer never sees an event a crash could take back;
/// - the log start offset is the oldest retained sequence number (it moves with retention);
/// - record key = the principal (UTF-8, null when the event has none), value = the event
///   as OCSF JSON (`bulwark audit export --format ocsf`), timestamp = the event's time
///   (CreateTime; the first occurrence for a summarised event).
///
/// Rights: it is a topic like any other to the authorizer (Describe to see it, Read to
/// consume it; super users may), and nobody may change it: Produce and DeleteRecords answer
/// INVALID_TOPIC_EXCEPTION as Kafka does for its internal topics, and DeleteTopics,
/// CreatePartitions and AlterConfigs, which Kafka would allow on `__consumer_offsets`,
/// answer the same code here because the audit log is only ever changed by its writer.
/// CreateTopics of the name answers TOPIC_ALREADY_EXISTS (the name is reserved even when
/// the audit log is off).
struct AuditTopic: Sendable {
    static let name = "__bulwark_audit"
    /// Records per fetch answer at most (besides the byte limit).
    static let maxRecordsPerFetch = 10_000

    let writer: AuditLogWriter
    let reader: AuditLogReader

    init(writer: AuditLogWriter) {
        self.writer = writer
        self.reader = AuditLogReader(directory: writer.config.directory, sealing: writer.sealing)
    }

    static func refusal(_ what: String) -> String {
        "\(name) is an internal topic written only by the audit log: \(what) is not allowed"
    }

    var highWatermark: Int64 { Int64(writer.durableEnd) }

    var logStartOffset: Int64 { Int64((try? reader.firstSequence()) ?? 1) }

    /// The answer for one partition of a Fetch.
    func fetch(_ data: FetchResponse.PartitionData, offset: Int64, maxBytes: Int) -> FetchResponse.PartitionData {
        var data = data
        let end = highWatermark
        let start = logStartOffset
        data.highWatermark = end
        data.lastStableOffset = end
        data.logStartOffset = start
        guard data.partitionIndex == 0 else {
            data.errorCode = KafkaErrorCode.unknownTopicOrPartition.rawValue
            return data
        }
        guard offset >= start, offset <= end else {
            data.errorCode = KafkaErrorCode.offsetOutOfRange.rawValue
            return data
        }
        guard offset < end else { return data }
        do {
            data.records = try batch(from: UInt64(offset), end: UInt64(end), maxBytes: maxBytes)
        } catch {
            data.errorCode = KafkaErrorCode.kafkaStorageError.rawValue
        }
        return data
    }

    /// One record batch with the events from `from` up to `end` (exclusive), stopping once
    /// `maxBytes` is reached (the first event always goes in, so a consumer progresses).
    private func batch(from: UInt64, end: UInt64, maxBytes: Int) throws -> ByteBuffer? {
        var builder = RecordBatchBuilder()
        var base: UInt64?
        var bytes = 0
        try reader.query(AuditQuery(), fromSequence: from) { record in
            guard record.sequence < end else { return false }
            let value = ByteBuffer(string: AuditOCSF.json(record))
            let key = record.event.principal.isEmpty ? nil : ByteBuffer(string: record.event.principal)
            if base == nil {
                base = record.sequence
                builder.baseOffset = Int64(record.sequence)
                builder.baseTimestamp = record.event.time
            }
            builder.append(Record(timestampDelta: record.event.time &- (builder.baseTimestamp ?? 0),
                                  offsetDelta: Int32(record.sequence - base!), key: key, value: value))
            bytes += value.readableBytes + (key?.readableBytes ?? 0) + 16
            return bytes < maxBytes && builder.recordCount < Self.maxRecordsPerFetch
        }
        guard base != nil else { return nil }
        return try builder.build()
    }

    /// Waits until an event at or after `offset` is durable, or `timeout`: Fetch's long poll.
    func waitForEvents(after offset: Int64, timeout: Duration) async {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while highWatermark <= offset && clock.now < deadline && !Task.isCancelled {  // bounded by the deadline
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// ListOffsets: earliest (-2), latest (-1), max timestamp (-3), or the first event whose
    /// time range reaches `timestamp`.
    func listOffset(_ r: ListOffsetsResponse.ListOffsetsPartitionResponse, timestamp: Int64)
        -> ListOffsetsResponse.ListOffsetsPartitionResponse
    {
        var r = r
        guard r.partitionIndex == 0 else {
            r.errorCode = KafkaErrorCode.unknownTopicOrPartition.rawValue
            return r
        }
        let end = highWatermark
        switch timestamp {
        case -2:
            r.offset = logStartOffset
        case -1:
            r.offset = end
        default:
            var query = AuditQuery()
            var from = UInt64(logStartOffset)
            if timestamp == -3 {
                from = UInt64(max(end - 1, 0))
            } else {
                query.since = timestamp
            }
            do {
                try reader.query(query, fromSequence: from) { record in
                    guard record.sequence < UInt64(end) else { return false }
                    r.offset = Int64(record.sequence)
                    r.timestamp = record.event.time
                    return false
                }
            } catch {
                r.errorCode = KafkaErrorCode.kafkaStorageError.rawValue
            }
        }
        return r
    }

    /// The topic's Metadata entry: one partition led by this node, marked internal.
    func metadata(nodeId: Int32) -> MetadataResponse.MetadataResponseTopic {
        .init(name: Self.name, isInternal: true,
              partitions: [.init(partitionIndex: 0, leaderId: nodeId, leaderEpoch: 0, replicaNodes: [nodeId], isrNodes: [nodeId])],
              topicAuthorizedOperations: Int32.min)
    }
}
