import KafkaWire

/// Kafka's topic name rules: 1–249 characters of [a-zA-Z0-9._-], not "." or "..".
enum TopicNames {
    static func validate(_ name: String) -> KafkaErrorCode? {
        guard !name.isEmpty, name.utf8.count <= 249, name != ".", name != ".." else { return .invalidTopicException }
        let ok = name.utf8.allSatisfy { c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 46 || c == 95 || c == 45
        }
        return ok ? nil : .invalidTopicException
    }
}
