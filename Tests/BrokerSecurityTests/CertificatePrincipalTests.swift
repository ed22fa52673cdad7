import Testing
@testable import BrokerSecurity

@Suite struct CertificatePrincipalTests {
    static func tlv(_ tag: UInt8, _ body: [UInt8]) -> [UInt8] {
        precondition(body.count < 0x10000)
        if body.count < 128 { return [tag, UInt8(body.count)] + body }
        return [tag, 0x82, UInt8(body.count >> 8), UInt8(body.count & 0xff)] + body
    }

    static func rdn(_ oid: [UInt8], _ tag: UInt8, _ value: String) -> [UInt8] {
        tlv(0x31, tlv(0x30, tlv(0x06, oid) + tlv(tag, Array(value.utf8))))
    }

    /// A certificate shell: the fields before the subject, then the subject.
    static func certificate(subject: [UInt8]) -> [UInt8] {
        let tbs = tlv(0xA0, tlv(0x02, [2])) + tlv(0x02, [1]) + tlv(0x30, []) + tlv(0x30, []) + tlv(0x30, []) + tlv(0x30, subject)
        return tlv(0x30, tlv(0x30, tbs) + tlv(0x30, []) + tlv(0x03, [0]))
    }

    @Test func subjectIsRFC2253MostSpecificFirst() {
        let subject = Self.rdn([0x55, 4, 10], 0x0C, "Bulwark Test") + Self.rdn([0x55, 4, 11], 0x13, "clients")
            + Self.rdn([0x55, 4, 3], 0x0C, "client-1")
        #expect(CertificateSubject.distinguishedName(der: Self.certificate(subject: subject))
                == "CN=client-1,OU=clients,O=Bulwark Test")
    }

    @Test func specialCharactersAreEscapedAndUnknownTypesAreHex() {
        let subject = Self.rdn([0x55, 4, 3], 0x0C, "a,b+c") + Self.rdn([0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 1, 9, 1], 0x16, "x@y")
        #expect(CertificateSubject.distinguishedName(der: Self.certificate(subject: subject))
                == "1.2.840.113549.1.9.1=#1603784079,CN=a\\,b\\+c")
    }

    @Test func hostileDERGivesNil() {
        let good = Self.certificate(subject: Self.rdn([0x55, 4, 3], 0x0C, "x"))
        for cut in 0..<good.count - 1 {
            _ = CertificateSubject.distinguishedName(der: Array(good.prefix(cut)))
        }
        #expect(CertificateSubject.distinguishedName(der: []) == nil)
        #expect(CertificateSubject.distinguishedName(der: [0x30, 0x84, 0xff, 0xff, 0xff, 0xff]) == nil)
        #expect(CertificateSubject.distinguishedName(der: [0x30, 0x85, 1, 1, 1, 1, 1]) == nil)
        var flipped = good
        for i in flipped.indices {
            flipped[i] ^= 0xff
            _ = CertificateSubject.distinguishedName(der: flipped)
            flipped[i] ^= 0xff
        }
    }

    @Test func mappingRules() throws {
        #expect(PrincipalMappingRules.default.name(for: "CN=a,O=b") == "CN=a,O=b")
        let rules = try PrincipalMappingRules(parsing: "RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L, RULE:^CN=([^,]*).*$/$1/, DEFAULT")
        #expect(rules.name(for: "CN=Kafka-Svc,OU=ServiceUsers,O=x") == "kafka-svc")
        #expect(rules.name(for: "CN=alice,O=x") == "alice")
        #expect(rules.name(for: "O=x") == "O=x")
        let only = try PrincipalMappingRules(parsing: "RULE:^CN=(.*)$/$1/U")
        #expect(only.name(for: "O=x") == nil)
        #expect(only.name(for: "CN=bob") == "BOB")
        #expect(throws: SecurityError.self) { try PrincipalMappingRules(parsing: "RULE:abc") }
        #expect(throws: SecurityError.self) { try PrincipalMappingRules(parsing: "NOPE") }
    }
}
