import BrokerSecurity

extension ListenerSecurity {
    /// The Kerberos keys GSSAPI reads. Each may be given broker-wide, per listener
    /// (`listener.name.<l>.<key>`) or per listener and mechanism
    /// (`listener.name.<l>.gssapi.<key>`, the form Kafka documents for `sasl.jaas.config`).
    static let kerberosKeys: Set<String> = [
        "sasl.jaas.config", "sasl.kerberos.service.name", "sasl.kerberos.principal.to.local.rules",
    ]

    /// A key's value for one listener and SASL mechanism, most specific form first:
    /// `listener.name.<l>.<mechanism>.<key>`, `listener.name.<l>.<key>`, `<key>`.
    static func value(_ key: String, listener: String, mechanism: String,
                      props: ServerProperties) -> (key: String, value: String)? {
        let prefix = "listener.name.\(listener.lowercased())."
        for candidate in [prefix + mechanism.lowercased() + "." + key, prefix + key, key] {
            if let v = props[candidate] { return (candidate, v) }
        }
        return nil
    }

    /// GSSAPI's settings for a listener that enables it: keytab and principal from the JAAS
    /// entry, the service name, and the principal-to-local rules. A missing or unreadable
    /// keytab fails here, at start-up.
    static func resolveGssapi(listener: String, props: ServerProperties) throws(ConfigError) -> GssapiSettings {
        func value(_ key: String) -> (key: String, value: String)? {
            Self.value(key, listener: listener, mechanism: "GSSAPI", props: props)
        }
        let jaasKey = "listener.name.\(listener.lowercased()).gssapi.sasl.jaas.config"
        guard let jaasText = value("sasl.jaas.config") else {
            throw ConfigError(key: jaasKey, message: "GSSAPI is enabled on \(listener) but no JAAS entry gives its keyTab and principal")
        }
        let jaas: GssapiJaasConfig
        do {
            jaas = try GssapiJaasConfig(parsing: jaasText.value)
        } catch {
            throw ConfigError(key: jaasText.key, message: error.message)
        }
        guard GssapiSettings.isReadableFile(jaas.keyTab) else {
            throw ConfigError(key: jaasText.key, message: "keyTab \(jaas.keyTab) does not exist or is not a readable file")
        }
        let principal: KerberosName
        do {
            principal = try KerberosName(parsing: jaas.principal)
        } catch {
            throw ConfigError(key: jaasText.key, message: error.message)
        }
        guard let realm = principal.realm, !realm.isEmpty else {
            throw ConfigError(key: jaasText.key, message: "principal \(jaas.principal) has no realm")
        }
        let configured = value("sasl.kerberos.service.name")
        if let configured, let fromJaas = jaas.serviceName, configured.value != fromJaas {
            throw ConfigError(key: configured.key,
                              message: "conflicting service names: \(configured.value) here, \(fromJaas) in the JAAS entry")
        }
        let serviceName = configured?.value ?? jaas.serviceName ?? "kafka"
        guard principal.serviceName == serviceName else {
            throw ConfigError(key: configured?.key ?? "sasl.kerberos.service.name",
                              message: "the service name is \(serviceName) but the principal \(jaas.principal) is for \(principal.serviceName)")
        }
        // Kafka's DEFAULT rule strips the realm of the krb5 configuration's default realm.
        let defaultRealm = Gssapi.defaultRealm() ?? realm
        var shortNamer = KerberosShortNamer.default(defaultRealm: defaultRealm)
        if let rules = value("sasl.kerberos.principal.to.local.rules") {
            do {
                shortNamer = try KerberosShortNamer(parsing: rules.value, defaultRealm: defaultRealm)
            } catch {
                throw ConfigError(key: rules.key, message: error.message)
            }
        }
        return GssapiSettings(keyTab: jaas.keyTab, principal: jaas.principal, serviceName: serviceName, shortNamer: shortNamer)
    }
}
