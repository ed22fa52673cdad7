/// Splits a record-rule expression into tokens. Works on Unicode scalars so a hostile
/// string can only ever produce an error, never an out-of-range index.
struct RecordRuleLexer {
    enum Token: Equatable {
        case identifier(String)
        case number(Double)
        /// A quoted string; its `${{USER.x}}` / `${{TENANT.x}}` references are split out
        /// so substitution never re-parses text (an attribute value cannot inject syntax).
        case string([RecordRuleTemplatePart])
        /// A bare `${{USER.x}}` outside quotes.
        case attribute(RecordRuleTemplatePart)
        case symbol(String)
        case end
    }

    struct Located {
        var token: Token
        var position: Int
    }

    static let maxLength = 16_384

    static func tokens(_ text: String) throws(RecordRuleError) -> [Located] {
        let s = Array(text.unicodeScalars)
        guard s.count <= maxLength else { throw RecordRuleError("expression longer than \(maxLength) characters", at: 0) }
        var out: [Located] = []
        var i = 0
        func isIdentStart(_ c: Unicode.Scalar) -> Bool { c == "_" || (c.properties.isAlphabetic && c.isASCII) }
        func isIdent(_ c: Unicode.Scalar) -> Bool { isIdentStart(c) || ("0"..."9").contains(c) }
        while i < s.count {
            let c = s[i]
            if c == " " || c == "\t" || c == "\n" || c == "\r" { i += 1; continue }
            let start = i
            if isIdentStart(c) {
                var name = ""
                while i < s.count, isIdent(s[i]) { name.unicodeScalars.append(s[i]); i += 1 }
                out.append(Located(token: .identifier(name), position: start))
            } else if ("0"..."9").contains(c) || (c == "-" && i + 1 < s.count && ("0"..."9").contains(s[i + 1]) && !(out.last.map(Self.endsOperand) ?? false)) {
                var text = String(c)
                i += 1
                while i < s.count, ("0"..."9").contains(s[i]) || s[i] == "." || s[i] == "e" || s[i] == "E"
                    || ((s[i] == "+" || s[i] == "-") && (s[i - 1] == "e" || s[i - 1] == "E")) {
                    text.unicodeScalars.append(s[i]); i += 1
                }
                guard let n = Double(text), n.isFinite else { throw RecordRuleError("bad number \(text)", at: start) }
                out.append(Located(token: .number(n), position: start))
            } else if c == "'" || c == "\"" {
                i += 1
                var parts: [RecordRuleTemplatePart] = []
                var literal = ""
                var closed = false
                while i < s.count {
                    let d = s[i]
                    if d == c { closed = true; i += 1; break }
                    if d == "\\" {
                        guard i + 1 < s.count else { break }
                        let e = s[i + 1]
                        switch e {
                        case "n": literal += "\n"
                        case "t": literal += "\t"
                        case "\\", "'", "\"", "$": literal.unicodeScalars.append(e)
                        default: throw RecordRuleError("unknown escape \\\(e)", at: i)
                        }
                        i += 2
                        continue
                    }
                    if d == "$", let (part, next) = try attribute(s, i) {
                        if !literal.isEmpty { parts.append(.text(literal)); literal = "" }
                        parts.append(part)
                        i = next
                        continue
                    }
                    literal.unicodeScalars.append(d)
                    i += 1
                }
                guard closed else { throw RecordRuleError("unterminated string", at: start) }
                if !literal.isEmpty || parts.isEmpty { parts.append(.text(literal)) }
                out.append(Located(token: .string(parts), position: start))
            } else if c == "$", let (part, next) = try attribute(s, i) {
                out.append(Located(token: .attribute(part), position: start))
                i = next
            } else {
                let two = i + 1 < s.count ? String(c) + String(s[i + 1]) : ""
                if ["==", "!=", "<=", ">=", "&&", "||"].contains(two) {
                    out.append(Located(token: .symbol(two), position: start))
                    i += 2
                } else if "<>()[].,!{}".unicodeScalars.contains(c) {
                    out.append(Located(token: .symbol(String(c)), position: start))
                    i += 1
                } else if c == "=" {
                    out.append(Located(token: .symbol("=="), position: start))  // SQL's `=`, as Ranger filters write it
                    i += 1
                } else {
                    throw RecordRuleError("unexpected character '\(c)'", at: start)
                }
            }
        }
        out.append(Located(token: .end, position: s.count))
        return out
    }

    private static func endsOperand(_ t: Located) -> Bool {
        switch t.token {
        case .identifier, .number, .string, .attribute: true
        case .symbol(let s): s == ")" || s == "]" || s == "}"
        case .end: false
        }
    }

    /// `${{USER.name}}` or `${{TENANT.name}}` at `i`; nil when `$` starts something else.
    private static func attribute(_ s: [Unicode.Scalar], _ i: Int) throws(RecordRuleError) -> (RecordRuleTemplatePart, Int)? {
        guard i + 2 < s.count, s[i + 1] == "{", s[i + 2] == "{" else { return nil }
        var j = i + 3
        var body = ""
        while j + 1 < s.count, !(s[j] == "}" && s[j + 1] == "}") { body.unicodeScalars.append(s[j]); j += 1 }
        guard j + 1 < s.count else { throw RecordRuleError("unterminated ${{…}}", at: i) }
        let pieces = body.split(separator: ".", maxSplits: 1).map(String.init)
        guard pieces.count == 2, !pieces[1].isEmpty else {
            throw RecordRuleError("${{\(body)}} must be ${{USER.<attribute>}} or ${{TENANT.<attribute>}}", at: i)
        }
        switch pieces[0] {
        case "USER": return (.user(pieces[1]), j + 2)
        case "TENANT": return (.tenant(pieces[1]), j + 2)
        default: throw RecordRuleError("${{\(body)}}: only USER and TENANT attributes exist", at: i)
        }
    }
}

/// A piece of a string literal: text, or a user/tenant attribute filled in per principal.
public enum RecordRuleTemplatePart: Hashable, Sendable {
    case text(String)
    case user(String)
    case tenant(String)
}

/// A syntax error in a record rule, with the character position it was found at.
public struct RecordRuleError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public var position: Int

    init(_ message: String, at position: Int) {
        self.message = message
        self.position = position
    }

    public var description: String { "\(message) (at character \(position))" }
}
