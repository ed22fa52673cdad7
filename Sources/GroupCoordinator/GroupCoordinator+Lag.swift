extension GroupCoordinator {
    /// Every group's committed offsets as (topic, partition, offset), for the consumer-lag
    /// gauges: the broker subtracts each from its partition's high watermark.
    public func committedPositions() -> [String: [(topic: String, partition: Int32, offset: Int64)]] {
        store.offsets.mapValues { partitions in
            partitions.map { (topic: $0.key.topic, partition: $0.key.partition, offset: $0.value.offset) }
        }
    }
}
