import Testing
@testable import BrokerSecurity

/// The failure log names the user a client tried; the session keeps it after the failure.
@Suite struct AttemptedUserTests {
    static func session() -> SaslSession {
        let lookup = FixedLookup(credentials: [:])
        return SaslSession(enabledMechanisms: ["SCRAM-SHA-256", "PLAIN"]) { name in
            if name == "PLAIN" { return PlainServer(lookup: lookup, fakeSecret: [1]) }
            return ScramServer(algorithm: .sha256, lookup: lookup, fakeSecret: [1], serverNonce: "S")
        }
    }

    @Test func scramUnknownUserIsKeptAfterTheFailure() {
        var s = Self.session()
        _ = s.handshake(mechanism: "SCRAM-SHA-256", version: 1)
        #expect(s.attemptedUser == nil)
        guard case .challenge = s.token(Array("n,,n=mallory,r=abc".utf8)) else {
            Issue.record("no server-first")
            return
        }
        #expect(s.attemptedUser == "mallory")
        guard case .failure = s.token(Array("c=biws,r=abcS,p=AAAA".utf8)) else {
            Issue.record("a bad proof did not fail")
            return
        }
        #expect(s.attemptedUser == "mallory")
    }

    @Test func plainNamesTheUserAndAMalformedTokenNamesNone() {
        var s = Self.session()
        _ = s.handshake(mechanism: "PLAIN", version: 1)
        _ = s.token(Array("\0eve\0guess".utf8))
        #expect(s.attemptedUser == "eve")
        var t = Self.session()
        _ = t.handshake(mechanism: "PLAIN", version: 1)
        _ = t.token(Array("no separators".utf8))
        #expect(t.attemptedUser == nil)
    }
}
