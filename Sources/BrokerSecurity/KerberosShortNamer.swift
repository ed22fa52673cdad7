import Foundation

/// Kafka's `sasl.kerberos.principal.to.local.rules` (its `KerberosShortNamer`): the first
/// rule that applies to a principal gives its short name, which becomes `User:<name>`.
public struct KerberosShortNamer: Sendable {
    public let rules: [KerberosRule]

    /// Kafka's default: `DEFAULT`, which strips the realm when it is the default realm.
    public static func `default`(defaultRealm: String) -> KerberosShortNamer {
        KerberosShortNamer(rules: [try! KerberosRule(parsing: "DEFAULT", defaultRealm: defaultRealm)])
    }

    public init(rules: [KerberosRule]) { self.rules = rules }

    /// The config value: a comma-separated list, as Kafka's LIST type splits it.
    public init(parsing text: String, defaultRealm: String) throws(SecurityError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw SecurityError(.invalidArgument, "no rule given") }
        let items = trimmed.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        var rules: [KerberosRule] = []
        for item in items { rules.append(try KerberosRule(parsing: item, defaultRealm: defaultRealm)) }
        self.rules = rules
    }

    public func shortName(_ name: KerberosName) throws(SecurityError) -> String {
        let params: [String]
        if let host = name.hostName {
            params = [name.realm ?? "", name.serviceName, host]
        } else {
            // Already simple: nothing to map.
            guard let realm = name.realm else { return name.serviceName }
            params = [realm, name.serviceName]
        }
        for rule in rules {
            if let result = try rule.apply(params) { return result }
        }
        throw SecurityError(.invalidArgument, "No rules apply to \(name), rules \(rules.map(\.description))")
    }
}
