import KafkaWire

/// `producer_byte_rate`, wrapped around Produce as middleware: the record bytes of each
/// request count against the governing quota; over it, the answer carries
/// `throttle_time_ms` and the connection is muted for that long. The records are
/// appended either way, as in Kafka (the throttle slows the next request, not this one).
struct ProduceQuota: ApiHandler {
    let inner: ProduceHandler
    let quotas: QuotaManager

    var versions: ClosedRange<Int16> { inner.versions }

    func handle(_ request: ProduceRequest, context: RequestContext) async -> ProduceResponse? {
        var response = await inner.handle(request, context: context)
        var bytes = 0
        for topic in request.topicData {
            for partition in topic.partitionData { bytes += partition.records?.readableBytes ?? 0 }
        }
        let ms = quotas.record(.producerByteRate, user: context.quotaUser, clientId: context.quotaClientId, amount: Double(bytes))
        if ms > 0 {
            BrokerMetrics.throttled(quota: .producerByteRate, milliseconds: ms)
            context.throttle.mute(ms)
            // acks=0 has no answer to carry the time; the mute alone holds the client back.
            response?.throttleTimeMs = Int32(clamping: ms)
        }
        return response
    }
}
