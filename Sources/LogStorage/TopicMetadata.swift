import Foundation

/// What the store persists about a topic: `<data>/meta/topics/<name>.json`,
/// replaced atomically on every change.
struct TopicMetadata: Codable, Hashable, Sendable {
    var name: String
    var partitions: Int32
    var overrides: [String: String]

    func encoded() throws(StorageError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        do {
            return Array(try encoder.encode(self)) + [0x0A]
        } catch {
            throw StorageError(.kafkaStorageError, "cannot encode the metadata of topic \(name): \(error)")
        }
    }

    static func decode(_ bytes: [UInt8]) -> TopicMetadata? {
        try? JSONDecoder().decode(TopicMetadata.self, from: Data(bytes))
    }

    /// Kafka's rule: 1–249 characters from [a-zA-Z0-9._-], and not "." or "..".
    static func validate(name: String) throws(StorageError) {
        guard !name.isEmpty, name.utf8.count <= 249, name != ".", name != ".." else {
            throw StorageError(.invalidTopicException, "topic name \"\(name)\" is empty, too long, \".\" or \"..\"")
        }
        let legal = name.utf8.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
                || byte == 0x2E || byte == 0x5F || byte == 0x2D
        }
        guard legal else {
            throw StorageError(.invalidTopicException, "topic name \"\(name)\" may only hold ASCII letters, digits, '.', '_' and '-'")
        }
    }
}
