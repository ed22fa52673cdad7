import Testing
@testable import BrokerSecurity

/// A mechanism that challenges once, then accepts "ok" as user "u".
struct TwoStep: SaslMechanism {
    var name: String { "TEST" }
    var steps = 0
    mutating func step(_ token: [UInt8]) -> SaslStep {
        steps += 1
        if steps == 1 { return .challenge([1]) }
        return token == Array("ok".utf8) ? .success(user: "u", response: [2]) : .failure(reason: "bad")
    }
}

@Suite struct SaslSessionTests {
    static func session() -> SaslSession {
        SaslSession(enabledMechanisms: ["TEST", "PLAIN"]) { $0 == "TEST" ? TwoStep() : nil }
    }

    @Test func v1HandshakeThenTokensThenServe() {
        var s = Self.session()
        #expect(s.request(apiKey: 18) == .serve)
        #expect(s.request(apiKey: 18) == .serve)
        #expect(s.request(apiKey: 17) == .handshake)
        #expect(s.handshake(mechanism: "TEST", version: 1) == .accept(enabled: ["TEST", "PLAIN"]))
        #expect(!s.expectsRawToken)
        #expect(s.request(apiKey: 36) == .authenticate)
        #expect(s.token([]) == .challenge([1]))
        #expect(s.request(apiKey: 36) == .authenticate)
        #expect(s.token(Array("ok".utf8)) == .success(user: "u", response: [2]))
        #expect(s.state == .authenticated(user: "u", mechanism: "TEST"))
        #expect(s.request(apiKey: 0) == .serve)
    }

    @Test func reauthenticationKeepsMechanismAndUser() {
        var s = SaslSession(enabledMechanisms: ["TEST"], allowsReauthentication: true) { $0 == "TEST" ? TwoStep() : nil }
        _ = s.handshake(mechanism: "TEST", version: 1)
        _ = s.token([])
        #expect(s.token(Array("ok".utf8)) == .success(user: "u", response: [2]))
        #expect(s.request(apiKey: 17) == .handshake)
        #expect(s.handshake(mechanism: "TEST", version: 1) == .accept(enabled: ["TEST"]))
        #expect(s.request(apiKey: 0) == .illegalState(message: "Unexpected Kafka request of type 0 during SASL authentication."))
        var t = SaslSession(enabledMechanisms: ["TEST", "OTHER"], allowsReauthentication: true) { $0 == "TEST" ? TwoStep() : nil }
        _ = t.handshake(mechanism: "TEST", version: 1)
        _ = t.token([])
        _ = t.token(Array("ok".utf8))
        #expect(t.handshake(mechanism: "OTHER", version: 1) == .unsupported(enabled: ["TEST"]))
        var u = Self.session()
        _ = u.handshake(mechanism: "TEST", version: 1)
        _ = u.token([])
        _ = u.token(Array("ok".utf8))
        #expect(u.request(apiKey: 17) == .serve)
    }

    @Test func v0HandshakeExpectsRawTokens() {
        var s = Self.session()
        #expect(s.handshake(mechanism: "TEST", version: 0) == .accept(enabled: ["TEST", "PLAIN"]))
        #expect(s.expectsRawToken)
        #expect(s.token([]) == .challenge([1]))
        #expect(s.token(Array("ok".utf8)) == .success(user: "u", response: [2]))
        #expect(!s.expectsRawToken)
    }

    @Test func requestsBeforeAuthenticationAreIllegal() {
        var s = Self.session()
        #expect(s.request(apiKey: 3) == .illegalState(message: "Unexpected Kafka request of type 3 during SASL handshake."))
        #expect(s.state == .failed)
        var t = Self.session()
        _ = t.handshake(mechanism: "TEST", version: 1)
        #expect(t.request(apiKey: 0) == .illegalState(message: "Unexpected Kafka request of type 0 during SASL authentication."))
    }

    @Test func unknownOrUnbuildableMechanismIsUnsupported() {
        var s = Self.session()
        #expect(s.handshake(mechanism: "GSSAPI", version: 1) == .unsupported(enabled: ["TEST", "PLAIN"]))
        #expect(s.state == .failed)
        var t = Self.session()
        #expect(t.handshake(mechanism: "PLAIN", version: 1) == .unsupported(enabled: ["TEST", "PLAIN"]))
    }

    @Test func failureGivesTheGenericMessage() {
        var s = Self.session()
        _ = s.handshake(mechanism: "TEST", version: 1)
        _ = s.token([])
        #expect(s.token(Array("no".utf8)) == .failure(
            message: "Authentication failed during authentication due to invalid credentials with SASL mechanism TEST",
            reason: "bad"))
        #expect(s.state == .failed)
        #expect(s.token([]) == .failure(message: "Unexpected SASL token", reason: "no handshake"))
    }
}
