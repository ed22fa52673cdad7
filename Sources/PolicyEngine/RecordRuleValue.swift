import Foundation

/// A value in a record rule (docs/RECORD-RULES.md): what an operand yields and what
/// comparisons see. `null` is SQL's unknown: a missing header, a missing JSON field, an
/// unset user attribute. Comparisons with it are unknown, and a filter keeps a record
/// only when its expression is `true` — so anything unknown fails closed.
public enum RuleValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    /// A JSON object or array: only `exists` and `size` look at it (its raw text is kept
    /// so `size` can count bytes).
    case composite(String)

    public var isNull: Bool { if case .null = self { true } else { false } }

    /// Kleene truth: `true`, `false` or unknown (nil).
    var truth: Bool? {
        switch self {
        case .bool(let b): b
        default: nil
        }
    }

    /// Strings compare with numbers when they hold one (header values are text).
    var asNumber: Double? {
        switch self {
        case .number(let n): n
        case .string(let s): Double(s.trimmingCharacters(in: .whitespaces))
        default: nil
        }
    }
}

/// One step of a path into a JSON value: a member name or an array index.
public enum RulePathSegment: Hashable, Sendable, CustomStringConvertible {
    case member(String)
    case index(Int)

    public var description: String {
        switch self {
        case .member(let name):
            name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) && !name.isEmpty ? ".\(name)" : "['\(name)']"
        case .index(let i): "[\(i)]"
        }
    }
}
