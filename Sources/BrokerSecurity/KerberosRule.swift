import Foundation

/// One rule of Kafka's `sasl.kerberos.principal.to.local.rules` (Kafka's `KerberosRule`):
/// `DEFAULT`, or `RULE:[n:format](match)s/from/to/g` with an optional `/L` or `/U`.
///
/// A `RULE` applies to names with exactly `n` components: `format` builds a string from
/// `$0` (realm), `$1`, `$2` (components); if it fully matches `match`, `s/from/to/` edits it
/// (first occurrence, or every one with `g`). The patterns are regular expressions; the
/// replacement uses `$1` for groups, as Java's does.
public struct KerberosRule: @unchecked Sendable, CustomStringConvertible {
    enum Kind {
        case defaultRule
        case rule(components: Int, format: String, match: NSRegularExpression?, from: NSRegularExpression?,
                  to: String, repeating: Bool)
    }

    let kind: Kind
    let defaultRealm: String
    let toLowerCase: Bool
    let toUpperCase: Bool
    /// The rule as written, for messages.
    public let description: String

    /// Kafka's rule grammar; the whole rule must match it.
    private static let grammar = try! NSRegularExpression(
        pattern: #"((DEFAULT)|((RULE:\[(\d*):([^\]]*)](\(([^)]*)\))?(s/([^/]*)/([^/]*)/(g)?)?/?(L|U)?)))"#)
    /// `$n` references in a format: literal text, then an optional `$` and digits.
    private static let parameter = try! NSRegularExpression(pattern: #"([^$]*)(\$(\d*))?"#)
    /// A short name may not contain `/` or `@`.
    private static let nonSimple = try! NSRegularExpression(pattern: "[/@]")

    public init(parsing text: String, defaultRealm: String) throws(SecurityError) {
        let ns = text as NSString
        let whole = NSRange(location: 0, length: ns.length)
        guard let m = Self.grammar.firstMatch(in: text, options: [.anchored], range: whole) else {
            throw SecurityError(.invalidArgument, "Invalid rule: \(text)")
        }
        guard m.range.length == ns.length else {
            throw SecurityError(.invalidArgument, "Invalid rule: `\(text)`, unmatched substring: `\(ns.substring(from: m.range.length))`")
        }
        func group(_ i: Int) -> String? {
            let r = m.range(at: i)
            return r.location == NSNotFound ? nil : ns.substring(with: r)
        }
        self.defaultRealm = defaultRealm
        description = text
        toLowerCase = group(13) == "L"
        toUpperCase = group(13) == "U"
        if group(2) != nil {
            kind = .defaultRule
            return
        }
        guard let n = group(5).flatMap({ Int($0) }) else { throw SecurityError(.invalidArgument, "Invalid rule: \(text) (no component count)") }
        func regex(_ pattern: String?, anchored: Bool) throws(SecurityError) -> NSRegularExpression? {
            guard let pattern else { return nil }
            do {
                return try NSRegularExpression(pattern: anchored ? #"\A(?:"# + pattern + #")\z"# : pattern)
            } catch {
                throw SecurityError(.invalidArgument, "Invalid rule: \(text) (bad regular expression \(pattern))")
            }
        }
        kind = .rule(components: n, format: group(6) ?? "", match: try regex(group(8), anchored: true),
                     from: try regex(group(10), anchored: false), to: group(11) ?? "", repeating: group(12) == "g")
    }

    /// The short name for `params` = [realm, component 1, component 2...], nil when the rule
    /// does not apply; throws when it applies but yields a name with `/` or `@`, or its
    /// format refers to a component the name does not have.
    func apply(_ params: [String]) throws(SecurityError) -> String? {
        var result: String?
        switch kind {
        case .defaultRule:
            if params[0] == defaultRealm { result = params[1] }
        case .rule(let n, let format, let match, let from, let to, let repeating):
            guard params.count - 1 == n else { break }
            let base = try Self.replaceParameters(format, params)
            let range = NSRange(location: 0, length: (base as NSString).length)
            if match == nil || match!.firstMatch(in: base, range: range) != nil {
                if let from {
                    result = Self.substitute(base, from: from, to: to, repeating: repeating)
                } else {
                    result = base
                }
            }
        }
        guard let name = result else { return nil }
        if Self.nonSimple.firstMatch(in: name, range: NSRange(location: 0, length: (name as NSString).length)) != nil {
            throw SecurityError(.invalidArgument, "Non-simple name \(name) after auth_to_local rule \(description)")
        }
        if toLowerCase { return name.lowercased() }
        if toUpperCase { return name.uppercased() }
        return name
    }

    static func replaceParameters(_ format: String, _ params: [String]) throws(SecurityError) -> String {
        let ns = format as NSString
        var out = ""
        var start = 0
        // Each match consumes at least one character until the end, so this ends.
        while start < ns.length,
              let m = parameter.firstMatch(in: format, range: NSRange(location: start, length: ns.length - start)) {
            out += ns.substring(with: m.range(at: 1))
            let digits = m.range(at: 3)
            if digits.location != NSNotFound {
                guard let num = Int(ns.substring(with: digits)) else {
                    throw SecurityError(.invalidArgument, "bad format in username mapping in \(format)")
                }
                guard num >= 0, num < params.count else {
                    throw SecurityError(.invalidArgument, "index \(num) from \(format) is outside of the valid range 0 to \(params.count - 1)")
                }
                out += params[num]
            }
            guard m.range.length > 0 else { break }
            start = m.range.location + m.range.length
        }
        return out
    }

    static func substitute(_ base: String, from: NSRegularExpression, to: String, repeating: Bool) -> String {
        let range = NSRange(location: 0, length: (base as NSString).length)
        if repeating {
            return from.stringByReplacingMatches(in: base, range: range, withTemplate: to)
        }
        guard let first = from.firstMatch(in: base, range: range) else { return base }
        let replacement = from.replacementString(for: first, in: base, offset: 0, template: to)
        return (base as NSString).replacingCharacters(in: first.range, with: replacement)
    }
}
