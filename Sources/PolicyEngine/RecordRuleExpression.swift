/// A parsed record rule (grammar in docs/RECORD-RULES.md). Parse once with `parse`, then
/// `bind` the principal's attributes once, then evaluate per record.
public indirect enum RecordRuleExpression: Hashable, Sendable {
    public enum Comparison: String, Hashable, Sendable { case eq = "==", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">=" }

    case literal(RuleValue)
    /// A string literal with `${{USER.x}}` parts (before `bind`).
    case template([RecordRuleTemplatePart])
    /// The record key as UTF-8 text (null for a null key).
    case key
    /// The record value as UTF-8 text; `size(value)` is its byte count.
    case value
    /// The record timestamp in ms.
    case timestamp
    case header(String)
    /// A JSON field of the value (null when the value is not JSON or has no such field).
    case field([RulePathSegment])
    /// The masked field's own value inside a CUSTOM mask's valueExpr (`{col}`, as Ranger).
    case column
    case not(RecordRuleExpression)
    case and(RecordRuleExpression, RecordRuleExpression)
    case or(RecordRuleExpression, RecordRuleExpression)
    case compare(Comparison, RecordRuleExpression, RecordRuleExpression)
    case isIn(RecordRuleExpression, [RecordRuleExpression])
    case isNull(RecordRuleExpression)
    case exists(RecordRuleExpression)
    case size(RecordRuleExpression)
    case lower(RecordRuleExpression)
    case upper(RecordRuleExpression)
    case concat([RecordRuleExpression])

    /// Parses an expression; a syntax error names the position.
    public static func parse(_ text: String) throws(RecordRuleError) -> RecordRuleExpression {
        var parser = RecordRuleParser(tokens: try RecordRuleLexer.tokens(text))
        let expr = try parser.expression(depth: 0)
        try parser.expectEnd()
        return expr
    }

    /// Parses a field reference as data-mask policies name it: `key`, `headers.x`,
    /// `headers['x']` or `value.a.b` / `value['a'][0]`.
    public static func parseField(_ text: String) throws(RecordRuleError) -> RecordRuleExpression {
        let expr = try parse(text)
        switch expr {
        case .key, .header, .field: return expr
        default: throw RecordRuleError("a masked field is key, headers['name'] or value.path, not \"\(text)\"", at: 0)
        }
    }

    /// Fills in `${{USER.x}}` from the principal's attributes and `${{TENANT.x}}` from the
    /// tenant's; a string with an attribute that is not set becomes null (so comparisons
    /// with it are unknown and fail closed).
    public func bind(user: [String: String], tenant: [String: String]) -> RecordRuleExpression {
        func b(_ e: RecordRuleExpression) -> RecordRuleExpression { e.bind(user: user, tenant: tenant) }
        switch self {
        case .template(let parts):
            var text = ""
            for part in parts {
                switch part {
                case .text(let t): text += t
                case .user(let name): guard let v = user[name] else { return .literal(.null) }; text += v
                case .tenant(let name): guard let v = tenant[name] else { return .literal(.null) }; text += v
                }
            }
            return .literal(.string(text))
        case .literal, .key, .value, .timestamp, .header, .field, .column: return self
        case .not(let e): return .not(b(e))
        case .and(let l, let r): return .and(b(l), b(r))
        case .or(let l, let r): return .or(b(l), b(r))
        case .compare(let op, let l, let r): return .compare(op, b(l), b(r))
        case .isIn(let e, let list): return .isIn(b(e), list.map(b))
        case .isNull(let e): return .isNull(b(e))
        case .exists(let e): return .exists(b(e))
        case .size(let e): return .size(b(e))
        case .lower(let e): return .lower(b(e))
        case .upper(let e): return .upper(b(e))
        case .concat(let list): return .concat(list.map(b))
        }
    }

    /// Every JSON path the expression reads, so a record's value is scanned once for all.
    public var fieldPaths: [[RulePathSegment]] {
        var out: [[RulePathSegment]] = []
        func walk(_ e: RecordRuleExpression) {
            switch e {
            case .field(let p): out.append(p)
            case .literal, .template, .key, .value, .timestamp, .header, .column: break
            case .not(let x), .isNull(let x), .exists(let x), .size(let x), .lower(let x), .upper(let x): walk(x)
            case .and(let l, let r), .or(let l, let r), .compare(_, let l, let r): walk(l); walk(r)
            case .isIn(let x, let list): walk(x); list.forEach(walk)
            case .concat(let list): list.forEach(walk)
            }
        }
        walk(self)
        return out
    }
}

struct RecordRuleParser {
    let tokens: [RecordRuleLexer.Located]
    var i = 0
    /// Deep nesting is refused rather than recursed into (hostile policies cannot
    /// exhaust the stack).
    static let maxDepth = 64

    init(tokens: [RecordRuleLexer.Located]) { self.tokens = tokens }

    var current: RecordRuleLexer.Token { tokens[i].token }
    var position: Int { tokens[i].position }

    mutating func advance() { if i < tokens.count - 1 { i += 1 } }

    func isSymbol(_ s: String) -> Bool { current == .symbol(s) }
    func isWord(_ w: String) -> Bool { if case .identifier(let name) = current { name.lowercased() == w } else { false } }

    mutating func expect(_ s: String) throws(RecordRuleError) {
        guard isSymbol(s) else { throw RecordRuleError("expected '\(s)'", at: position) }
        advance()
    }

    func expectEnd() throws(RecordRuleError) {
        guard current == .end else { throw RecordRuleError("unexpected text after the expression", at: position) }
    }

    mutating func expression(depth: Int) throws(RecordRuleError) -> RecordRuleExpression {
        guard depth < Self.maxDepth else { throw RecordRuleError("expression nested deeper than \(Self.maxDepth)", at: position) }
        var left = try conjunction(depth: depth + 1)
        while isWord("or") || isSymbol("||") {
            advance()
            left = .or(left, try conjunction(depth: depth + 1))
        }
        return left
    }

    mutating func conjunction(depth: Int) throws(RecordRuleError) -> RecordRuleExpression {
        var left = try negation(depth: depth + 1)
        while isWord("and") || isSymbol("&&") {
            advance()
            left = .and(left, try negation(depth: depth + 1))
        }
        return left
    }

    mutating func negation(depth: Int) throws(RecordRuleError) -> RecordRuleExpression {
        guard depth < Self.maxDepth else { throw RecordRuleError("expression nested deeper than \(Self.maxDepth)", at: position) }
        if isWord("not") || isSymbol("!") {
            advance()
            return .not(try negation(depth: depth + 1))
        }
        return try comparison(depth: depth + 1)
    }

    mutating func comparison(depth: Int) throws(RecordRuleError) -> RecordRuleExpression {
        let left = try operand(depth: depth + 1)
        if case .symbol(let s) = current, let op = RecordRuleExpression.Comparison(rawValue: s) {
            advance()
            return .compare(op, left, try operand(depth: depth + 1))
        }
        if isWord("in") || isWord("not") {
            let negated = isWord("not")
            advance()
            if negated {
                guard isWord("in") else { throw RecordRuleError("expected 'in' after 'not'", at: position) }
                advance()
            }
            let close: String
            if isSymbol("(") { close = ")" } else if isSymbol("[") { close = "]" } else {
                throw RecordRuleError("expected a list in ( ) or [ ] after 'in'", at: position)
            }
            advance()
            var list: [RecordRuleExpression] = []
            if !isSymbol(close) {
                repeat {
                    if isSymbol(",") { advance() }
                    list.append(try operand(depth: depth + 1))
                } while isSymbol(",")
            }
            try expect(close)
            return negated ? .not(.isIn(left, list)) : .isIn(left, list)
        }
        if isWord("is") {
            advance()
            let negated = isWord("not")
            if negated { advance() }
            guard isWord("null") else { throw RecordRuleError("expected 'null' after 'is'", at: position) }
            advance()
            return negated ? .not(.isNull(left)) : .isNull(left)
        }
        return left
    }

    mutating func operand(depth: Int) throws(RecordRuleError) -> RecordRuleExpression {
        guard depth < Self.maxDepth else { throw RecordRuleError("expression nested deeper than \(Self.maxDepth)", at: position) }
        let at = position
        switch current {
        case .number(let n):
            advance()
            return .literal(.number(n))
        case .string(let parts):
            advance()
            if parts.count == 1, case .text(let t) = parts[0] { return .literal(.string(t)) }
            return .template(parts)
        case .attribute(let part):
            advance()
            return .template([part])
        case .symbol("("):
            advance()
            let inner = try expression(depth: depth + 1)
            try expect(")")
            return inner
        case .symbol("{"):
            advance()
            guard isWord("col") else { throw RecordRuleError("expected {col}", at: position) }
            advance()
            try expect("}")
            return .column
        case .identifier(let word):
            advance()
            switch word.lowercased() {
            case "true": return .literal(.bool(true))
            case "false": return .literal(.bool(false))
            case "null": return .literal(.null)
            case "key": return .key
            case "timestamp": return .timestamp
            case "headers", "header":
                if isSymbol(".") {
                    advance()
                    guard case .identifier(let name) = current else { throw RecordRuleError("expected a header name", at: position) }
                    advance()
                    return .header(name)
                }
                try expect("[")
                guard case .string(let parts) = current, parts.count == 1, case .text(let name) = parts[0] else {
                    throw RecordRuleError("expected a quoted header name", at: position)
                }
                advance()
                try expect("]")
                return .header(name)
            case "value":
                var path: [RulePathSegment] = []
                while isSymbol(".") || isSymbol("[") {
                    if isSymbol(".") {
                        advance()
                        guard case .identifier(let name) = current else { throw RecordRuleError("expected a field name after '.'", at: position) }
                        advance()
                        path.append(.member(name))
                    } else {
                        advance()
                        switch current {
                        case .string(let parts):
                            guard parts.count == 1, case .text(let name) = parts[0] else {
                                throw RecordRuleError("a field name cannot contain ${{…}}", at: position)
                            }
                            path.append(.member(name))
                        case .number(let n):
                            guard n >= 0, n == n.rounded(), n < 1_000_000 else { throw RecordRuleError("bad array index", at: position) }
                            path.append(.index(Int(n)))
                        default: throw RecordRuleError("expected a quoted name or an index in [ ]", at: position)
                        }
                        advance()
                        try expect("]")
                    }
                    guard path.count <= 32 else { throw RecordRuleError("field path longer than 32 steps", at: position) }
                }
                return path.isEmpty ? .value : .field(path)
            case "exists", "size", "lower", "upper", "concat":
                try expect("(")
                var args: [RecordRuleExpression] = []
                if !isSymbol(")") {
                    args.append(try expression(depth: depth + 1))
                    while isSymbol(",") {
                        advance()
                        args.append(try expression(depth: depth + 1))
                    }
                }
                try expect(")")
                let name = word.lowercased()
                if name == "concat" { return .concat(args) }
                guard args.count == 1 else { throw RecordRuleError("\(name)() takes one argument", at: at) }
                switch name {
                case "exists": return .exists(args[0])
                case "size": return .size(args[0])
                case "lower": return .lower(args[0])
                default: return .upper(args[0])
                }
            default:
                throw RecordRuleError("unknown name \"\(word)\" (operands: key, value, value.<path>, headers['x'], timestamp)", at: at)
            }
        case .end:
            throw RecordRuleError("expression ends too early", at: at)
        default:
            throw RecordRuleError("expected an operand", at: at)
        }
    }
}
