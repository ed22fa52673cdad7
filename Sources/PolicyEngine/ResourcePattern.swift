import Foundation

/// One value of a policy resource: a Ranger wildcard (`*` any run, `?` one character),
/// or, for Kafka ACL bindings, a literal name or a prefix.
struct ResourcePattern: Sendable, Hashable {
    enum Kind: Sendable, Hashable { case wildcard, literal, prefix }

    let text: String
    let kind: Kind
    /// `{USER}` in the value stands for the requesting user (Ranger's user macro).
    let hasUserToken: Bool

    init(_ text: String, kind: Kind = .wildcard) {
        self.text = text
        self.kind = kind
        self.hasUserToken = text.contains("{USER}")
    }

    var isMatchAll: Bool { (kind == .wildcard && text == "*") || (kind == .prefix && text.isEmpty) }
    var hasWildcard: Bool { kind == .wildcard && text.utf8.contains { $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "?") } }

    /// The literal text before the first wildcard: what the resource trie indexes.
    var literalPrefix: String {
        switch kind {
        case .literal, .prefix: return text
        case .wildcard:
            guard let stop = text.firstIndex(where: { $0 == "*" || $0 == "?" }) else { return text }
            return String(text[..<stop])
        }
    }

    func matches(_ value: String, user: String) -> Bool {
        let pattern = hasUserToken ? text.replacingAll("{USER}", with: user) : text
        switch kind {
        case .literal: return value == pattern
        case .prefix: return value.utf8.starts(with: pattern.utf8)
        case .wildcard:
            var p = pattern, v = value
            return p.withUTF8 { pb in v.withUTF8 { vb in Wildcard.matches(pattern: pb, value: vb) } }
        }
    }
}

enum Wildcard {
    /// Iterative glob match with one backtrack point: O(pattern × value), no recursion.
    static func matches(pattern: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) -> Bool {
        var p = 0, v = 0
        var starP = -1, starV = 0
        let star = UInt8(ascii: "*"), question = UInt8(ascii: "?")
        while v < value.count {
            if p < pattern.count && (pattern[p] == question || pattern[p] == value[v]) {
                p += 1; v += 1
            } else if p < pattern.count && pattern[p] == star {
                starP = p; starV = v; p += 1
            } else if starP >= 0 {
                p = starP + 1; starV += 1; v = starV
            } else {
                return false
            }
        }
        while p < pattern.count && pattern[p] == star { p += 1 }
        return p == pattern.count
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = self[...]
        while let range = rest.range(of: target) {
            out += rest[..<range.lowerBound]
            out += replacement
            rest = rest[range.upperBound...]
        }
        return out + rest
    }
}
