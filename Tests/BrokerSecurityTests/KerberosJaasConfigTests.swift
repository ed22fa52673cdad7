import Testing
@testable import BrokerSecurity

/// The Kafka JAAS form a broker's GSSAPI keytab and principal are given in.
@Suite struct KerberosJaasConfigTests {
    @Test func parsesKafkasForm() throws {
        let text = #"com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true storeKey=true keyTab="/etc/kafka/kafka.keytab" principal="kafka/localhost@EXAMPLE.TEST";"#
        #expect(try GssapiJaasConfig(parsing: text)
                == GssapiJaasConfig(keyTab: "/etc/kafka/kafka.keytab", principal: "kafka/localhost@EXAMPLE.TEST"))
    }

    @Test func readsServiceNameAndUnquotedValues() throws {
        let text = "com.sun.security.auth.module.Krb5LoginModule required\n useKeyTab=true keyTab=/k.keytab\n principal=\"kafka/h@R\" serviceName=\"kafka\" ;"
        #expect(try GssapiJaasConfig(parsing: text) == GssapiJaasConfig(keyTab: "/k.keytab", principal: "kafka/h@R", serviceName: "kafka"))
    }

    @Test(arguments: [
        #"com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true keyTab="/k";"#,  // no principal
        #"com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true principal="p@R";"#,  // no keytab
        #"com.sun.security.auth.module.Krb5LoginModule required useKeyTab=false keyTab="/k" principal="p@R";"#,
        #"com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true keyTab="/k principal="p@R";"#,  // unterminated
        #"com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true keyTab="/k" principal="p@R""#,  // no ';'
        #"com.sun.security.auth.module.Krb5LoginModule mandatory useKeyTab=true keyTab="/k" principal="p@R";"#,
        #"org.apache.kafka.common.security.plain.PlainLoginModule required username="a" password="b";"#,
        #"com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true keyTab="/k" principal="p@R"; com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true keyTab="/k" principal="p@R";"#,
        #"com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true keyTab= principal="p@R";"#,
        "",
    ])
    func rejectsMalformed(text: String) {
        #expect(throws: SecurityError.self) { try GssapiJaasConfig(parsing: text) }
    }
}
