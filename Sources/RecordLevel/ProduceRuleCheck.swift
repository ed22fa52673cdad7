import KafkaWire
import NIOCore
import PolicyEngine

/// The produce-side rule: a `publish` row filter every written record must satisfy.
public enum ProduceRuleCheck {
    public struct Violation: Equatable, Sendable {
        /// The record's index in the request's records (Kafka's `batch_index`).
        public var index: Int
        public var message: String
    }

    /// Every record of `records` that does not satisfy the rule (empty: all do), at most
    /// `limit`. Nil when the records cannot be decoded: the produce validator then
    /// refuses them with its own error (CORRUPT_MESSAGE, …), as Kafka would.
    public static func violations(_ records: ByteBuffer, rules: RecordRules, limit: Int = 100) -> [Violation]? {
        guard let filter = rules.filter else { return [] }
        var trie = JSONPathTrie()
        for path in filter.expression.fieldPaths { trie.insert(path) }
        var out: [Violation] = []
        var index = 0
        var iterator = RecordBatchIterator(records)
        while out.count < limit {
            let element: RecordBatchIterator.Element?
            do { element = try iterator.next() } catch { return nil }
            guard let element else { break }
            guard case .batch(let batch) = element else { return nil }
            let decoded: [Record]
            do { decoded = try batch.decodeRecords(maxUncompressedBytes: RecordBatchFilter.maxUncompressedBytes) } catch { return nil }
            for record in decoded {
                var view = RecordView(record: record, timestamp: batch.header.timestamp(of: record), trie: trie)
                if !filter.expression.matches(&view) && out.count < limit {
                    out.append(Violation(index: index, message: "record violates the produce rule of policy \(filter.policyId): \(filter.text)"))
                }
                index += 1
            }
        }
        return out
    }
}
