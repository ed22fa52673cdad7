/// Reads the topic list out of a consumer's JoinGroup metadata (Kafka's
/// ConsumerProtocolSubscription: version i16, topics [string], then fields we skip), so
/// OffsetDelete can refuse topics a live member consumes.
enum ConsumerProtocolSubscription {
    static let protocolType = "consumer"

    /// The subscribed topics, or nil if the bytes are not a readable subscription.
    static func topics(in metadata: [UInt8]) -> [String]? {
        var index = 0
        func readInt(_ width: Int) -> Int? {
            guard index + width <= metadata.count else { return nil }
            var value = 0
            for byte in metadata[index..<(index + width)] {
                value = value << 8 | Int(byte)
            }
            index += width
            // Sign-extend: lengths are signed on the wire.
            let bits = width * 8
            return value >= 1 << (bits - 1) ? value - (1 << bits) : value
        }
        guard readInt(2) != nil, let count = readInt(4), count >= 0, count <= metadata.count else { return nil }
        var topics: [String] = []
        for _ in 0..<count {
            guard let length = readInt(2), length >= 0, index + length <= metadata.count else { return nil }
            topics.append(String(decoding: metadata[index..<(index + length)], as: UTF8.self))
            index += length
        }
        return topics
    }
}

extension GroupStateMachine {
    /// Topics any member subscribes to under the chosen protocol; nil when unknown.
    func subscribedTopics() -> Set<String>? {
        guard protocolType == ConsumerProtocolSubscription.protocolType, protocolName != nil else { return nil }
        var topics: Set<String> = []
        for member in members.values {
            guard let memberTopics = ConsumerProtocolSubscription.topics(in: member.metadata(for: protocolName)) else {
                return nil
            }
            topics.formUnion(memberTopics)
        }
        return topics
    }
}
