import Crypto
import KafkaWire
import NIOCore
import PolicyEngine

/// What to do with a record whose value a JSON mask applies to but which is not JSON.
public enum NonJSONAction: String, Sendable {
    /// The record is not sent (the default: fail closed).
    case drop
    /// The record is sent with a null value.
    case null
}

/// `RecordRules` prepared for per-record work: the JSON paths every rule reads, in one
/// trie, and the masks with their keys. Build one per fetch of a topic (cheap: the rules
/// themselves are compiled and cached by the policy engine).
public struct RecordLevelPlan: Sendable {
    public let rules: RecordRules
    let trie: JSONPathTrie
    /// Slots of the JSON paths the value masks write, in mask order.
    let maskSlots: [Int?]
    let masks: [DataMask]
    let hasValueMasks: Bool
    public let nonJSON: NonJSONAction

    public init(rules: RecordRules, hashKey: SymmetricKey, nonJSON: NonJSONAction = .drop) {
        self.rules = rules
        self.nonJSON = nonJSON
        var trie = JSONPathTrie()
        for path in rules.filter?.expression.fieldPaths ?? [] { trie.insert(path) }
        var slots: [Int?] = []
        for mask in rules.masks {
            for path in (mask.condition?.fieldPaths ?? []) + (mask.value?.fieldPaths ?? []) { trie.insert(path) }
            if case .field(let path) = mask.field { slots.append(trie.insert(path)) } else { slots.append(nil) }
        }
        self.trie = trie
        maskSlots = slots
        masks = rules.masks.map { DataMask(type: $0.maskType, hashKey: hashKey) }
        hasValueMasks = slots.contains { $0 != nil }
    }

    public var isEmpty: Bool { rules.isEmpty }
}

/// One record as record rules see it. The value is scanned for JSON at most once, for
/// every path any rule reads.
struct RecordView: RecordRuleView {
    let record: Record
    let timestamp: Int64
    let trie: JSONPathTrie
    /// nil until scanned; then `.some(nil)` when the value is not JSON.
    private(set) var spans: [Range<Int>?]??

    init(record: Record, timestamp: Int64, trie: JSONPathTrie) {
        self.record = record
        self.timestamp = timestamp
        self.trie = trie
    }

    var keyText: RuleValue { record.key.map { .string(String(buffer: $0)) } ?? .null }
    var valueText: RuleValue { record.value.map { .string(String(buffer: $0)) } ?? .null }
    var keySize: Int? { record.key?.readableBytes }
    var valueSize: Int? { record.value?.readableBytes }

    func header(_ name: String) -> RuleValue {
        // The last header of that name wins, as Kafka's `Headers.lastHeader`.
        guard let h = record.headers.last(where: { $0.key == name }), let v = h.value else { return .null }
        return .string(String(buffer: v))
    }

    /// The spans of every trie path (nil entry: path absent); nil when not JSON.
    mutating func scanned() -> [Range<Int>?]? {
        if let spans { return spans }
        let result: [Range<Int>?]? = record.value.flatMap { value in
            value.withUnsafeReadableBytes { JSONPathScanner.scan($0, trie: trie) }
        }
        spans = .some(result)
        return result
    }

    mutating func field(_ path: [RulePathSegment]) -> RuleValue {
        guard let slot = trie.slots[path], let spans = scanned(), let span = spans[slot], let value = record.value else { return .null }
        return value.withUnsafeReadableBytes { JSONPathScanner.ruleValue(UnsafeRawBufferPointer(rebasing: $0[span])) }
    }
}
