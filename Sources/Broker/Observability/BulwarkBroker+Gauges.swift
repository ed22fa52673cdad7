import EnvelopeCrypto
import LogStorage

extension BulwarkBroker {
    /// Brings the gauges that are cheaper to compute on demand than to keep current up to
    /// date: consumer lag per group and key versions in use. The admin listener calls it
    /// before each scrape.
    public func refreshGauges() async {
        let positions = await state.groups.committedPositions()
        for (group, committed) in positions {
            var lag: Int64 = 0
            for c in committed {
                guard let log = state.logs.partition(TopicPartition(topic: c.topic, partition: c.partition)) else { continue }
                lag += max(0, log.logEndOffset - c.offset)
            }
            BrokerMetrics.consumerLag(group: group, lag: lag)
        }
        if let keyring, let scopes = try? keyring.status() {
            for scope in scopes where scope.shreddedAtMs == nil {
                BrokerMetrics.keyVersions(scope: "\(scope.scope)", count: scope.kekVersions.count,
                                          newest: scope.kekVersions.max() ?? 0)
            }
        }
    }
}
