import KafkaWire
import Metrics

/// The broker's metric names and labels in one place.
///
/// Prometheus wants one label set per metric name (the registry traps on a mismatch), so
/// every metric is created here and nowhere else. Names follow Prometheus' conventions:
/// `_total` for counters, base units (seconds, bytes).
enum BrokerMetrics {
    /// Every request served, by API name; latency is measured from decode to answer.
    static func request(api: String, nanoseconds: Int64) {
        Counter(label: "bulwark_requests_total", dimensions: [("api", api)]).increment()
        Metrics.Timer(label: "bulwark_request_duration_seconds", dimensions: [("api", api)], preferredDisplayUnit: .seconds)
            .recordNanoseconds(nanoseconds)
    }

    /// Bytes of record batches accepted by Produce. Tenants arrive with issue 10: until then
    /// every topic belongs to the tenant `default`.
    static func bytesIn(topic: String, bytes: Int) {
        guard bytes > 0 else { return }
        Counter(label: "bulwark_bytes_in_total", dimensions: [("topic", topic), ("tenant", "default")]).increment(by: bytes)
    }

    /// Bytes of record batches returned by Fetch.
    static func bytesOut(topic: String, bytes: Int) {
        guard bytes > 0 else { return }
        Counter(label: "bulwark_bytes_out_total", dimensions: [("topic", topic), ("tenant", "default")]).increment(by: bytes)
    }

    /// One finished authentication: `mechanism` is the SASL mechanism or `TLS` for mTLS.
    static func authentication(mechanism: String, success: Bool) {
        Counter(label: "bulwark_authentications_total",
                dimensions: [("mechanism", mechanism.isEmpty ? "unknown" : mechanism), ("result", success ? "success" : "failure")])
            .increment()
    }

    /// One denied authorization check, by resource type (topic, group, cluster, …).
    static func denial(resourceType: String) {
        Counter(label: "bulwark_authorization_denials_total", dimensions: [("resource_type", resourceType)]).increment()
    }

    /// A connection closed at accept because of `max.connections` or `max.connections.per.ip`.
    static func connectionRejected(reason: String) {
        Counter(label: "bulwark_connections_rejected_total", dimensions: [("reason", reason)]).increment()
    }

    static func openConnections(_ n: Int) {
        Gauge(label: "bulwark_connections_open").record(n)
    }

    /// The version of the policy snapshot in force (every accepted change bumps it).
    static func policyVersion(_ version: Int64) {
        Gauge(label: "bulwark_policy_version").record(version)
    }

    /// A policy reload the engine rejected (the previous policies stayed in force).
    static func policyReloadFailed() {
        Counter(label: "bulwark_policy_reload_failures_total").increment()
    }

    /// A consumer group's lag: the sum over its committed partitions of high watermark − offset.
    static func consumerLag(group: String, lag: Int64) {
        Gauge(label: "bulwark_consumer_group_lag", dimensions: [("group", group)]).record(lag)
    }

    /// The KEK versions in use in one key scope (encryption at rest), and its newest.
    static func keyVersions(scope: String, count: Int, newest: UInt32) {
        Gauge(label: "bulwark_key_versions", dimensions: [("scope", scope)]).record(count)
        Gauge(label: "bulwark_key_version_current", dimensions: [("scope", scope)]).record(Int(newest))
    }

    /// One throttled request, by quota key (`producer_byte_rate`, `consumer_byte_rate`): a
    /// count and the throttle time handed to the client (the time its connection is muted).
    static func throttled(quota: QuotaKey, milliseconds: Int64) {
        Counter(label: "bulwark_quota_throttled_requests_total", dimensions: [("quota_type", quota.rawValue)]).increment()
        Metrics.Timer(label: "bulwark_quota_throttle_time_seconds", dimensions: [("quota_type", quota.rawValue)],
                      preferredDisplayUnit: .seconds)
            .recordMilliseconds(milliseconds)
    }

    /// 1 while the broker is ready to serve (see `Readiness`), else 0.
    static func ready(_ isReady: Bool) {
        Gauge(label: "bulwark_ready").record(isReady ? 1 : 0)
    }
}

extension BrokerMetrics {
    /// Bytes a Fetch answer carries, per topic (counted once, on the answer that leaves).
    static func fetched(_ response: FetchResponse) {
        for topic in response.responses {
            bytesOut(topic: topic.topic, bytes: topic.partitions.reduce(0) { $0 + ($1.records?.readableBytes ?? 0) })
        }
    }
}
