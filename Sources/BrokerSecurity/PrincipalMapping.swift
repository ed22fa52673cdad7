import Foundation

/// Kafka's `ssl.principal.mapping.rules`: a comma-separated list of `DEFAULT` (the whole
/// DN) and `RULE:pattern/replacement/[LU]`, tried in order; the first whose pattern
/// matches the whole DN gives the name.
public struct PrincipalMappingRules: Sendable {
    enum Rule: @unchecked Sendable {
        case defaultRule
        case rule(NSRegularExpression, replacement: String, caseChange: Character?)
    }

    let rules: [Rule]

    public static let `default` = PrincipalMappingRules(rules: [.defaultRule])

    init(rules: [Rule]) { self.rules = rules }

    public init(parsing text: String) throws(SecurityError) {
        var rules: [Rule] = []
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        while !rest.isEmpty {
            if rest.hasPrefix("DEFAULT") {
                rules.append(.defaultRule)
                rest = rest.dropFirst("DEFAULT".count)
            } else if rest.hasPrefix("RULE:") {
                rest = rest.dropFirst(5)
                // pattern/replacement/[LU]; a slash inside the pattern is escaped as \/.
                func field() -> String? {
                    var out = ""
                    while let ch = rest.first {
                        rest = rest.dropFirst()
                        if ch == "\\", rest.first == "/" { out.append("/"); rest = rest.dropFirst(); continue }
                        if ch == "/" { return out }
                        out.append(ch)
                    }
                    return nil
                }
                guard let pattern = field(), let replacement = field() else {
                    throw SecurityError(.invalidArgument, "ssl.principal.mapping.rules: a RULE needs pattern/replacement/")
                }
                var caseChange: Character? = nil
                if let c = rest.first, c == "L" || c == "U" {
                    caseChange = c
                    rest = rest.dropFirst()
                }
                guard let regex = try? NSRegularExpression(pattern: "^(?:\(pattern))$") else {
                    throw SecurityError(.invalidArgument, "ssl.principal.mapping.rules: invalid pattern \(pattern)")
                }
                rules.append(.rule(regex, replacement: replacement, caseChange: caseChange))
            } else {
                throw SecurityError(.invalidArgument, "ssl.principal.mapping.rules: expected DEFAULT or RULE: at '\(rest.prefix(20))'")
            }
            rest = rest.drop(while: { $0 == " " })
            if rest.first == "," { rest = rest.dropFirst().drop(while: { $0 == " " }) } else if !rest.isEmpty {
                throw SecurityError(.invalidArgument, "ssl.principal.mapping.rules: expected ',' at '\(rest.prefix(20))'")
            }
        }
        guard !rules.isEmpty else { throw SecurityError(.invalidArgument, "ssl.principal.mapping.rules is empty") }
        self.rules = rules
    }

    /// The principal name for a DN, or nil when no rule applies (Kafka then refuses).
    public func name(for dn: String) -> String? {
        for rule in rules {
            switch rule {
            case .defaultRule:
                return dn
            case .rule(let regex, let replacement, let caseChange):
                let range = NSRange(dn.startIndex..., in: dn)
                guard regex.firstMatch(in: dn, range: range) != nil else { continue }
                var out = regex.stringByReplacingMatches(in: dn, range: range, withTemplate: replacement)
                if caseChange == "L" { out = out.lowercased() }
                if caseChange == "U" { out = out.uppercased() }
                return out
            }
        }
        return nil
    }
}
