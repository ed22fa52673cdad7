import Foundation
import Testing
@testable import BrokerSecurity

/// A lookup over a fixed dictionary.
struct FixedLookup: ScramCredentialLookup {
    var credentials: [String: ScramCredential]
    func credential(user: String, algorithm: ScramAlgorithm) -> ScramCredential? {
        guard let c = credentials[user], c.algorithm == algorithm else { return nil }
        return c
    }
}

@Suite struct ScramServerTests {
    static let rfcSalt = Array(Data(base64Encoded: "W22ZaJ0SNY7soEsUEjb6gQ==")!)
    static let rfcServerNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
    static let secret = [UInt8](repeating: 7, count: 32)

    static func rfcLookup() -> FixedLookup {
        FixedLookup(credentials: ["user": ScramCredential.derive(password: Array("pencil".utf8), salt: rfcSalt,
                                                                 iterations: 4096, algorithm: .sha256)])
    }

    @Test func rfc7677TestVector() {
        var server = ScramServer(algorithm: .sha256, lookup: Self.rfcLookup(), fakeSecret: Self.secret,
                                 serverNonce: Self.rfcServerNonce)
        let first = server.step(Array("n,,n=user,r=rOprNGfwEbeRWgbNEkqO".utf8))
        #expect(first == .challenge(Array("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096".utf8)))
        let final = server.step(Array("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=".utf8))
        #expect(final == .success(user: "user", response: Array("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=".utf8)))
    }

    @Test func wrongProofFails() {
        var server = ScramServer(algorithm: .sha256, lookup: Self.rfcLookup(), fakeSecret: Self.secret,
                                 serverNonce: Self.rfcServerNonce)
        _ = server.step(Array("n,,n=user,r=rOprNGfwEbeRWgbNEkqO".utf8))
        let final = server.step(Array("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=AHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=".utf8))
        #expect(final == .failure(reason: "bad proof, nonce or channel binding"))
    }

    @Test func wrongNonceFails() {
        var server = ScramServer(algorithm: .sha256, lookup: Self.rfcLookup(), fakeSecret: Self.secret,
                                 serverNonce: Self.rfcServerNonce)
        _ = server.step(Array("n,,n=user,r=rOprNGfwEbeRWgbNEkqO".utf8))
        let final = server.step(Array("c=biws,r=rOprNGfwEbeRWgbNEkqO,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=".utf8))
        #expect(final == .failure(reason: "bad proof, nonce or channel binding"))
    }

    @Test func librdkafkaDoubledClientNonceIsAcceptedAsKafkaDoes() {
        // librdkafka 2.0.2 sends r=<client nonce><full nonce>; Kafka checks the server suffix only.
        let credential = ScramCredential.derive(password: Array("pw".utf8), salt: Array("salt0123".utf8), iterations: 4096,
                                                algorithm: .sha256)
        var server = ScramServer(algorithm: .sha256, lookup: FixedLookup(credentials: ["u": credential]),
                                 fakeSecret: Self.secret, serverNonce: "SRV")
        guard case .challenge(let sf) = server.step(Array("n,,n=u,r=CLI".utf8)) else {
            Issue.record("no server-first")
            return
        }
        let alg = ScramAlgorithm.sha256
        let salted = alg.saltedPassword(Array("pw".utf8), salt: Array("salt0123".utf8), iterations: 4096)
        let clientKey = alg.hmac(key: salted, Array("Client Key".utf8))
        let withoutProof = "c=biws,r=CLICLISRV"
        let authMessage = Array("n=u,r=CLI,\(String(decoding: sf, as: UTF8.self)),\(withoutProof)".utf8)
        let proof = zip(clientKey, alg.hmac(key: alg.hash(clientKey), authMessage)).map { $0 ^ $1 }
        guard case .success(let user, _) = server.step(Array("\(withoutProof),p=\(Data(proof).base64EncodedString())".utf8)) else {
            Issue.record("doubled nonce refused")
            return
        }
        #expect(user == "u")
    }

    @Test func unknownUserGetsAStableFakeSaltAndFails() {
        func first(_ nonce: String) -> String {
            var server = ScramServer(algorithm: .sha256, lookup: Self.rfcLookup(), fakeSecret: Self.secret, serverNonce: nonce)
            guard case .challenge(let bytes) = server.step(Array("n,,n=mallory,r=abc".utf8)) else { return "" }
            return String(decoding: bytes, as: UTF8.self)
        }
        let a = first("X"), b = first("X")
        #expect(a == b)
        #expect(a.hasPrefix("r=abcX,s="))
        #expect(a.hasSuffix(",i=\(ScramAlgorithm.defaultIterations)"))
        var server = ScramServer(algorithm: .sha256, lookup: Self.rfcLookup(), fakeSecret: Self.secret, serverNonce: "X")
        _ = server.step(Array("n,,n=mallory,r=abc".utf8))
        #expect(server.step(Array("c=biws,r=abcX,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=".utf8)) == .failure(reason: "unknown user"))
    }

    @Test func escapedNamesAndAuthzid() {
        #expect(ScramServer.unescape("a=2Cb=3Dc") == "a,b=c")
        #expect(ScramServer.unescape("a=2") == nil)
        #expect(ScramServer.unescape("a=41") == nil)
        var server = ScramServer(algorithm: .sha256, lookup: Self.rfcLookup(), fakeSecret: Self.secret, serverNonce: "X")
        #expect(server.step(Array("n,a=other,n=user,r=abc".utf8)) == .failure(reason: "authzid differs from the user"))
        var withAuthz = ScramServer(algorithm: .sha256, lookup: Self.rfcLookup(), fakeSecret: Self.secret, serverNonce: "X")
        guard case .challenge = withAuthz.step(Array("n,a=user,n=user,r=abc".utf8)) else {
            Issue.record("authzid equal to the user is accepted")
            return
        }
    }

    @Test func hostileTokensFailWithoutCrashing() {
        let inputs: [[UInt8]] = [[], [0xff, 0xfe], Array("y,,n=user,r=a".utf8), Array("n,,".utf8), Array("n,,n=,r=a".utf8),
                                 Array("n,,n=user".utf8), Array("n,,n=user,r=".utf8), Array("p=tls-unique,,n=user,r=a".utf8),
                                 Array("n,,n=user=,r=a".utf8), Array("n,,n=user,r=a,tokenauth=true".utf8)]
        for input in inputs {
            var server = ScramServer(algorithm: .sha512, lookup: Self.rfcLookup(), fakeSecret: Self.secret)
            guard case .failure = server.step(input) else {
                Issue.record("accepted \(input)")
                continue
            }
        }
        let finals: [[UInt8]] = [[], Array("c=biws".utf8), Array("c=biws,r=abcX,p=!!".utf8), Array("r=abcX,c=biws,p=AAAA".utf8),
                                 Array("c=eSws,r=abcX,p=AAAA".utf8)]
        for input in finals {
            var server = ScramServer(algorithm: .sha256, lookup: Self.rfcLookup(), fakeSecret: Self.secret, serverNonce: "X")
            _ = server.step(Array("n,,n=user,r=abc".utf8))
            guard case .failure = server.step(input) else {
                Issue.record("accepted final \(input)")
                continue
            }
        }
    }

    @Test func sha512RoundTripWithAClientComputation() {
        let credential = ScramCredential.derive(password: Array("s3cret".utf8), salt: Array("saltsaltsalt".utf8),
                                                iterations: 4096, algorithm: .sha512)
        var server = ScramServer(algorithm: .sha512, lookup: FixedLookup(credentials: ["alice": credential]),
                                 fakeSecret: Self.secret, serverNonce: "SRV")
        guard case .challenge(let sf) = server.step(Array("n,,n=alice,r=CLI".utf8)) else {
            Issue.record("no server-first")
            return
        }
        let serverFirst = String(decoding: sf, as: UTF8.self)
        #expect(serverFirst == "r=CLISRV,s=\(Data("saltsaltsalt".utf8).base64EncodedString()),i=4096")
        // The client's side, as RFC 5802 §3 computes it.
        let alg = ScramAlgorithm.sha512
        let salted = alg.saltedPassword(Array("s3cret".utf8), salt: Array("saltsaltsalt".utf8), iterations: 4096)
        let clientKey = alg.hmac(key: salted, Array("Client Key".utf8))
        let withoutProof = "c=biws,r=CLISRV"
        let authMessage = Array("n=alice,r=CLI,\(serverFirst),\(withoutProof)".utf8)
        let signature = alg.hmac(key: alg.hash(clientKey), authMessage)
        let proof = zip(clientKey, signature).map { $0 ^ $1 }
        let expected = alg.hmac(key: alg.hmac(key: salted, Array("Server Key".utf8)), authMessage)
        let final = server.step(Array("\(withoutProof),p=\(Data(proof).base64EncodedString())".utf8))
        #expect(final == .success(user: "alice", response: Array("v=\(Data(expected).base64EncodedString())".utf8)))
    }
}
