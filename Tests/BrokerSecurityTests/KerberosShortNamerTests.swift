import Testing
@testable import BrokerSecurity

/// Kafka's `sasl.kerberos.principal.to.local.rules`, rule by rule: which rule applies,
/// what it yields, and the errors Kafka raises.
@Suite struct KerberosShortNamerTests {
    static let realm = "EXAMPLE.COM"
    static let rules = [
        #"RULE:[1:$1@$0](.*@FOO\.COM)s/@.*//"#,
        #"RULE:[2:$1](App\..*)s/App\.(.*)/$1/g"#,
        #"RULE:[2:$1;$2](^.*;admin$)s/;admin$//"#,
        "RULE:[2:$2](root)",
        "DEFAULT",
    ].joined(separator: ", ")

    static let cases: [(principal: String, short: String?)] = [
        ("alice@EXAMPLE.COM", "alice"),               // DEFAULT: the default realm is stripped
        ("bob@FOO.COM", "bob"),                       // first rule
        ("App.service/host@EXAMPLE.COM", "service"),  // second rule, group reference
        ("joe/admin@EXAMPLE.COM", "joe"),             // third rule, two components in the format
        ("joe/root@EXAMPLE.COM", "root"),             // fourth rule, no substitution
        ("kafka/localhost@EXAMPLE.COM", "kafka"),     // DEFAULT keeps the first component
        ("carol", "carol"),                           // no realm: already short
        ("alice@OTHER.COM", nil),                     // no rule applies
        ("svc/host@OTHER.COM", nil),
    ]

    @Test(arguments: cases) func mapsPrincipals(principal: String, short: String?) throws {
        let namer = try KerberosShortNamer(parsing: Self.rules, defaultRealm: Self.realm)
        let name = try KerberosName(parsing: principal)
        if let short {
            #expect(try namer.shortName(name) == short)
        } else {
            #expect(throws: SecurityError.self) { try namer.shortName(name) }
        }
    }

    static let single: [(rule: String, principal: String, short: String)] = [
        ("RULE:[1:$1]/L", "Alice@R", "alice"),
        ("RULE:[1:$1]/U", "Alice@R", "ALICE"),
        ("RULE:[1:$1@$0](.*@R)s/@R//L", "Bob@R", "bob"),
        ("RULE:[1:$1@$0](.*@R)s/@R///U", "Bob@R", "BOB"),
        ("RULE:[1:$1](.*)s/a/x/", "banana@R", "bxnana"),   // first occurrence only
        ("RULE:[1:$1](.*)s/a/x/g", "banana@R", "bxnxnx"),  // every occurrence
        ("RULE:[1:$0-$1]", "dave@R", "R-dave"),
        ("RULE:[2:$2.$1]", "web/h1@R", "h1.web"),
    ]

    @Test(arguments: single) func appliesOneRule(rule: String, principal: String, short: String) throws {
        let namer = try KerberosShortNamer(parsing: rule, defaultRealm: "R")
        #expect(try namer.shortName(KerberosName(parsing: principal)) == short)
    }

    @Test func ruleForOtherComponentCountDoesNotApply() throws {
        let namer = try KerberosShortNamer(parsing: "RULE:[2:$1]", defaultRealm: "R")
        #expect(throws: SecurityError.self) { try namer.shortName(KerberosName(parsing: "alice@R")) }
        #expect(try namer.shortName(KerberosName(parsing: "kafka/h@R")) == "kafka")
    }

    @Test func matchMustCoverTheWholeString() throws {
        let namer = try KerberosShortNamer(parsing: "RULE:[1:$1](ali)", defaultRealm: "R")
        #expect(throws: SecurityError.self) { try namer.shortName(KerberosName(parsing: "alice@R")) }
    }

    @Test func nameWithSlashOrAtIsRefused() throws {
        let namer = try KerberosShortNamer(parsing: "RULE:[1:$1@$0], DEFAULT", defaultRealm: "R")
        // Kafka stops at the first rule that applies, even when its result is not simple.
        #expect(throws: SecurityError.self) { try namer.shortName(KerberosName(parsing: "alice@R")) }
    }

    @Test func formatIndexOutOfRangeIsAnError() throws {
        let namer = try KerberosShortNamer(parsing: "RULE:[1:$3]", defaultRealm: "R")
        #expect(throws: SecurityError.self) { try namer.shortName(KerberosName(parsing: "alice@R")) }
    }

    @Test(arguments: ["BOGUS", "RULE:[1:$1](.*)s/a/x/extra", "RULE:[:$1]", "RULE:1:$1", "DEFAULT,", "", "RULE:[1:$1](a)s/(/x/"])
    func rejectsMalformedRules(text: String) {
        #expect(throws: SecurityError.self) { try KerberosShortNamer(parsing: text, defaultRealm: "R") }
    }

    @Test func defaultOnlyStripsTheDefaultRealm() throws {
        let namer = KerberosShortNamer.default(defaultRealm: "R")
        #expect(try namer.shortName(KerberosName(parsing: "alice@R")) == "alice")
        #expect(throws: SecurityError.self) { try namer.shortName(KerberosName(parsing: "alice@S")) }
    }
}

@Suite struct KerberosNameTests {
    @Test func parsesComponents() throws {
        #expect(try KerberosName(parsing: "kafka/localhost@EXAMPLE.TEST")
                == KerberosName(serviceName: "kafka", hostName: "localhost", realm: "EXAMPLE.TEST"))
        #expect(try KerberosName(parsing: "alice@EXAMPLE.TEST") == KerberosName(serviceName: "alice", realm: "EXAMPLE.TEST"))
        #expect(try KerberosName(parsing: "alice") == KerberosName(serviceName: "alice"))
        #expect(try KerberosName(parsing: "kafka/localhost@EXAMPLE.TEST").description == "kafka/localhost@EXAMPLE.TEST")
    }

    @Test(arguments: ["a@b@c", "a/b/c@R", "a@R/x"]) func rejectsMalformedNames(text: String) {
        #expect(throws: SecurityError.self) { try KerberosName(parsing: text) }
    }
}
