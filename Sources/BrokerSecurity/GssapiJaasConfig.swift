/// The Kerberos settings of a Kafka JAAS entry (`sasl.jaas.config`), e.g.
/// `com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true storeKey=true
/// keyTab="/etc/kafka.keytab" principal="kafka/broker1@EXAMPLE.COM";`
/// Only the keytab form makes sense for a server: there is no one to type a password.
public struct GssapiJaasConfig: Sendable, Equatable {
    public static let loginModule = "com.sun.security.auth.module.Krb5LoginModule"

    public var keyTab: String
    public var principal: String
    /// The JAAS `serviceName` option, which Kafka reads when `sasl.kerberos.service.name` is unset.
    public var serviceName: String?

    public init(keyTab: String, principal: String, serviceName: String? = nil) {
        self.keyTab = keyTab
        self.principal = principal
        self.serviceName = serviceName
    }

    public init(parsing text: String) throws(SecurityError) {
        let modules = try Self.entries(text)
        guard modules.count == 1 else {
            throw SecurityError(.invalidArgument, "JAAS config contains \(modules.count) login modules, should be 1 module")
        }
        let (module, flag, options) = modules[0]
        guard module == Self.loginModule else {
            throw SecurityError(.invalidArgument, "GSSAPI needs \(Self.loginModule), not \(module)")
        }
        guard ["required", "requisite", "sufficient", "optional"].contains(flag.lowercased()) else {
            throw SecurityError(.invalidArgument, "invalid JAAS control flag \(flag)")
        }
        guard options["useKeyTab"]?.lowercased() == "true" else {
            throw SecurityError(.invalidArgument, "a broker needs useKeyTab=true")
        }
        guard let keyTab = options["keyTab"], !keyTab.isEmpty else { throw SecurityError(.invalidArgument, "keyTab is missing") }
        guard let principal = options["principal"], !principal.isEmpty else {
            throw SecurityError(.invalidArgument, "principal is missing")
        }
        self.init(keyTab: keyTab, principal: principal, serviceName: options["serviceName"])
    }

    /// `module flag key=value ... ;` entries, as Kafka's JaasConfig tokenizes them: words,
    /// double-quoted strings, `=` and `;`.
    static func entries(_ text: String) throws(SecurityError) -> [(String, String, [String: String])] {
        let tokens = try tokenize(text)
        var out: [(String, String, [String: String])] = []
        var i = 0
        func word(_ what: String) throws(SecurityError) -> String {
            guard i < tokens.count, case .word(let w) = tokens[i] else {
                throw SecurityError(.invalidArgument, "malformed JAAS config: expected \(what)")
            }
            i += 1
            return w
        }
        while i < tokens.count {
            let module = try word("a login module class")
            let flag = try word("a control flag after \(module)")
            var options: [String: String] = [:]
            while true {
                guard i < tokens.count else { throw SecurityError(.invalidArgument, "malformed JAAS config: missing ';'") }
                if tokens[i] == .semicolon { i += 1; break }
                let key = try word("an option name")
                guard i < tokens.count, tokens[i] == .equals else {
                    throw SecurityError(.invalidArgument, "malformed JAAS config: expected '=' after \(key)")
                }
                i += 1
                guard i < tokens.count else { throw SecurityError(.invalidArgument, "malformed JAAS config: no value for \(key)") }
                switch tokens[i] {
                case .word(let v), .quoted(let v): options[key] = v
                default: throw SecurityError(.invalidArgument, "malformed JAAS config: no value for \(key)")
                }
                i += 1
            }
            out.append((module, flag, options))
        }
        return out
    }

    enum Token: Equatable {
        case word(String)
        case quoted(String)
        case equals
        case semicolon
    }

    static func tokenize(_ text: String) throws(SecurityError) -> [Token] {
        var tokens: [Token] = []
        var chars = Substring(text)
        while let c = chars.first {
            if c.isWhitespace { chars = chars.dropFirst(); continue }
            if c == "=" { tokens.append(.equals); chars = chars.dropFirst(); continue }
            if c == ";" { tokens.append(.semicolon); chars = chars.dropFirst(); continue }
            if c == "\"" {
                chars = chars.dropFirst()
                var value = ""
                var closed = false
                while let d = chars.first {
                    chars = chars.dropFirst()
                    if d == "\\", let e = chars.first { value.append(e); chars = chars.dropFirst(); continue }
                    if d == "\"" { closed = true; break }
                    value.append(d)
                }
                guard closed else { throw SecurityError(.invalidArgument, "malformed JAAS config: unterminated quoted value") }
                tokens.append(.quoted(value))
                continue
            }
            let w = chars.prefix(while: { !$0.isWhitespace && $0 != "=" && $0 != ";" && $0 != "\"" })
            tokens.append(.word(String(w)))
            chars = chars.dropFirst(w.count)
        }
        return tokens
    }
}
