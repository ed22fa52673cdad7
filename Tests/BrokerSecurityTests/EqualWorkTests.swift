import Foundation
import Testing
@testable import BrokerSecurity

/// Unknown user and wrong password must cost the broker the same hashing: counted, not timed
/// (the benchmark in docs/BENCHMARKS.md measures the times).
@Suite struct EqualWorkTests {
    static let secret = [UInt8](repeating: 9, count: 32)

    static func lookup(_ algorithm: ScramAlgorithm) -> FixedLookup {
        FixedLookup(credentials: ["alice": ScramCredential.derive(password: Array("right".utf8), salt: Array("0123456789abcdef".utf8),
                                                                   iterations: ScramAlgorithm.defaultIterations, algorithm: algorithm)])
    }

    /// A full SCRAM exchange as `user` with `password`; returns the server's work and outcome.
    static func scram(_ algorithm: ScramAlgorithm, user: String, password: String) -> (CryptoWorkCounter.Counts, SaslStep) {
        var server = ScramServer(algorithm: algorithm, lookup: lookup(algorithm), fakeSecret: secret, serverNonce: "SRV")
        let counter = CryptoWorkCounter()
        let first = ScramAlgorithm.$workCounter.withValue(counter) { server.step(Array("n,,n=\(user),r=CLI".utf8)) }
        guard case .challenge(let sf) = first else { return (counter.counts, first) }
        // The client's proof, computed outside the counted scope.
        let serverFirst = String(decoding: sf, as: UTF8.self)
        let fields = Dictionary(uniqueKeysWithValues: serverFirst.split(separator: ",").map { ($0.first!, String($0.dropFirst(2))) })
        let salted = algorithm.saltedPassword(Array(password.utf8), salt: Array(Data(base64Encoded: fields["s"]!)!),
                                              iterations: Int(fields["i"]!)!)
        let clientKey = algorithm.hmac(key: salted, Array("Client Key".utf8))
        let withoutProof = "c=biws,r=CLISRV"
        let authMessage = Array("n=\(user),r=CLI,\(serverFirst),\(withoutProof)".utf8)
        let proof = zip(clientKey, algorithm.hmac(key: algorithm.hash(clientKey), authMessage)).map { $0 ^ $1 }
        let final = ScramAlgorithm.$workCounter.withValue(counter) {
            server.step(Array("\(withoutProof),p=\(Data(proof).base64EncodedString())".utf8))
        }
        return (counter.counts, final)
    }

    @Test(arguments: [ScramAlgorithm.sha256, .sha512])
    func scramUnknownUserAndWrongPasswordDoTheSameWork(algorithm: ScramAlgorithm) {
        let (unknown, unknownStep) = Self.scram(algorithm, user: "mallory", password: "guess")
        let (wrong, wrongStep) = Self.scram(algorithm, user: "alice", password: "guess")
        let (right, rightStep) = Self.scram(algorithm, user: "alice", password: "right")
        #expect(unknownStep == .failure(reason: "unknown user"))
        #expect(wrongStep == .failure(reason: "bad proof, nonce or channel binding"))
        if case .success(let user, _) = rightStep { #expect(user == "alice") } else { Issue.record("right password failed") }
        #expect(unknown == wrong)
        #expect(wrong == right)
        // Three HMACs for the stand-in, then ClientSignature, H(ClientKey), ServerSignature.
        #expect(wrong == .init(hashes: 1, hmacs: 5, pbkdf2Iterations: 0))
    }

    @Test func plainUnknownUserAndWrongPasswordDoTheSameWork() {
        func attempt(_ user: String, _ password: String) -> (CryptoWorkCounter.Counts, SaslStep) {
            var server = PlainServer(lookup: Self.lookup(.sha512), fakeSecret: Self.secret)
            let counter = CryptoWorkCounter()
            let step = ScramAlgorithm.$workCounter.withValue(counter) { server.step(Array("\0\(user)\0\(password)".utf8)) }
            return (counter.counts, step)
        }
        let (unknown, unknownStep) = attempt("mallory", "guess")
        let (wrong, wrongStep) = attempt("alice", "guess")
        #expect(unknownStep == .failure(reason: "unknown user"))
        #expect(wrongStep == .failure(reason: "wrong password"))
        #expect(unknown == wrong)
        #expect(wrong.pbkdf2Iterations == ScramAlgorithm.defaultIterations)
    }
}
