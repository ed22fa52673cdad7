import Broker
import Metrics
import Prometheus
import Synchronization

/// The metrics backend of `bulwark serve`: one Prometheus registry, behind swift-metrics,
/// installed once. The admin listener's /metrics renders it.
enum BulwarkMetrics {
    static func bootstrap() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // fsyncs and most requests finish well under the default 5 ms first bucket.
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10),
        ]
        MetricsSystem.bootstrap(factory)
        return registry
    }
}

/// The broker once it exists: the admin listener starts before recovery (so liveness
/// answers during it) and only refreshes the broker's gauges once there is a broker.
final class BrokerBox: Sendable {
    private let value = Mutex<BulwarkBroker?>(nil)
    var broker: BulwarkBroker? {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}
