import KafkaWire

/// `consumer_byte_rate`, wrapped around Fetch as middleware, with Kafka's rules: the
/// fetch is capped at what the quota allows in one window (so a single answer never
/// exceeds it alone); if the answer would take the client over, it is not sent — the
/// bytes are taken back and the client gets an empty answer with `throttle_time_ms`,
/// and the connection is muted for that long. Bytes out are counted here, on the answer
/// that actually leaves.
struct FetchQuota: ApiHandler {
    let inner: FetchHandler
    let quotas: QuotaManager

    var versions: ClosedRange<Int16> { inner.versions }

    func handle(_ request: FetchRequest, context: RequestContext) async -> FetchResponse? {
        let user = context.quotaUser, clientId = context.quotaClientId
        var request = request
        let cap = quotas.maxInWindow(.consumerByteRate, user: user, clientId: clientId)
        if let cap {
            let limit = Int32(max(min(cap, Double(Int32.max)), 1))
            request.maxBytes = request.maxBytes > 0 ? min(request.maxBytes, limit) : limit
            for t in request.topics.indices {
                for p in request.topics[t].partitions.indices {
                    request.topics[t].partitions[p].partitionMaxBytes = min(request.topics[t].partitions[p].partitionMaxBytes, limit)
                }
            }
        }
        guard let response = await inner.handle(request, context: context) else { return nil }
        var bytes = 0
        for topic in response.responses {
            for partition in topic.partitions { bytes += partition.records?.readableBytes ?? 0 }
        }
        let ms = quotas.record(.consumerByteRate, user: user, clientId: clientId, amount: Double(bytes))
        guard ms > 0 else {
            BrokerMetrics.fetched(response)
            return response
        }
        BrokerMetrics.throttled(quota: .consumerByteRate, milliseconds: ms)
        context.throttle.mute(ms)
        // A single batch bigger than the window allows (the first batch is returned whole)
        // would be refused forever: send it, throttled, so the consumer still progresses.
        if let cap, Double(bytes) > cap {
            BrokerMetrics.fetched(response)
            var throttled = response
            throttled.throttleTimeMs = Int32(clamping: ms)
            return throttled
        }
        quotas.unrecord(.consumerByteRate, user: user, clientId: clientId, amount: Double(bytes))
        return FetchResponse(throttleTimeMs: Int32(clamping: ms), errorCode: 0, sessionId: response.sessionId, responses: [])
    }
}
