/// One partition of one topic: the unit that owns a log.
public struct TopicPartition: Hashable, Sendable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    /// Kafka's spelling, also the partition's directory name.
    public var description: String { "\(topic)-\(partition)" }
}
