/// What a record rule can see of one record. The broker's implementation decodes lazily:
/// the JSON value is scanned once, for every path the rules read, only if one is read.
public protocol RecordRuleView {
    var keyText: RuleValue { get }
    var valueText: RuleValue { get }
    /// Byte counts (nil for a null key or value).
    var keySize: Int? { get }
    var valueSize: Int? { get }
    var timestamp: Int64 { get }
    func header(_ name: String) -> RuleValue
    /// The JSON value at `path` (null when missing or when the value is not JSON).
    mutating func field(_ path: [RulePathSegment]) -> RuleValue
}

extension RecordRuleExpression {
    /// Whether a record passes: only a definite `true` does (unknown fails closed).
    public func matches(_ record: inout some RecordRuleView) -> Bool {
        evaluate(&record, column: .null) == .bool(true)
    }

    /// The expression's value for `record`; `column` is `{col}` in a CUSTOM mask.
    public func evaluate(_ record: inout some RecordRuleView, column: RuleValue) -> RuleValue {
        switch self {
        case .literal(let v): return v
        case .template: return .null  // unbound: never matches
        case .key: return record.keyText
        case .value: return record.valueText
        case .timestamp: return .number(Double(record.timestamp))
        case .header(let name): return record.header(name)
        case .field(let path): return record.field(path)
        case .column: return column
        case .not(let e):
            guard let t = e.evaluate(&record, column: column).truth else { return .null }
            return .bool(!t)
        case .and(let l, let r):
            let a = l.evaluate(&record, column: column).truth
            if a == false { return .bool(false) }
            let b = r.evaluate(&record, column: column).truth
            if b == false { return .bool(false) }
            return a == true && b == true ? .bool(true) : .null
        case .or(let l, let r):
            let a = l.evaluate(&record, column: column).truth
            if a == true { return .bool(true) }
            let b = r.evaluate(&record, column: column).truth
            if b == true { return .bool(true) }
            return a == false && b == false ? .bool(false) : .null
        case .compare(let op, let l, let r):
            return Self.compare(op, l.evaluate(&record, column: column), r.evaluate(&record, column: column))
        case .isIn(let e, let list):
            let v = e.evaluate(&record, column: column)
            if v.isNull { return .null }
            var unknown = false
            for item in list {
                switch Self.compare(.eq, v, item.evaluate(&record, column: column)) {
                case .bool(true): return .bool(true)
                case .null: unknown = true
                default: break
                }
            }
            return unknown ? .null : .bool(false)
        case .isNull(let e):
            return .bool(e.evaluate(&record, column: column).isNull)
        case .exists(let e):
            return .bool(!e.evaluate(&record, column: column).isNull)
        case .size(let e):
            switch e {
            case .key: return record.keySize.map { .number(Double($0)) } ?? .null
            case .value: return record.valueSize.map { .number(Double($0)) } ?? .null
            default:
                switch e.evaluate(&record, column: column) {
                case .string(let s), .composite(let s): return .number(Double(s.utf8.count))
                default: return .null
                }
            }
        case .lower(let e):
            if case .string(let s) = e.evaluate(&record, column: column) { return .string(s.lowercased()) }
            return .null
        case .upper(let e):
            if case .string(let s) = e.evaluate(&record, column: column) { return .string(s.uppercased()) }
            return .null
        case .concat(let list):
            var out = ""
            for item in list {
                switch item.evaluate(&record, column: column) {
                case .string(let s): out += s
                case .number(let n): out += Self.text(n)
                case .bool(let b): out += b ? "true" : "false"
                case .null, .composite: return .null
                }
            }
            return .string(out)
        }
    }

    /// Integral numbers print without a fraction (`42`, not `42.0`).
    static func text(_ n: Double) -> String {
        n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
    }

    /// Numbers compare numerically (a numeric string against a number too), strings by
    /// their Unicode scalars, booleans only for (in)equality; anything with null or of
    /// mismatched types is unknown.
    static func compare(_ op: Comparison, _ a: RuleValue, _ b: RuleValue) -> RuleValue {
        if a.isNull || b.isNull { return .null }
        let order: Int
        switch (a, b) {
        case (.string(let x), .string(let y)):
            order = x == y ? 0 : (x.unicodeScalars.lexicographicallyPrecedes(y.unicodeScalars) ? -1 : 1)
        case (.bool(let x), .bool(let y)):
            guard op == .eq || op == .ne else { return .null }
            order = x == y ? 0 : 1
        default:
            guard let x = a.asNumber, let y = b.asNumber else { return .null }
            order = x == y ? 0 : (x < y ? -1 : 1)
        }
        switch op {
        case .eq: return .bool(order == 0)
        case .ne: return .bool(order != 0)
        case .lt: return .bool(order < 0)
        case .le: return .bool(order <= 0)
        case .gt: return .bool(order > 0)
        case .ge: return .bool(order >= 0)
        }
    }
}
