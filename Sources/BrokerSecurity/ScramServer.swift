import Foundation

/// The server side of SCRAM-SHA-256/512 (RFC 5802, RFC 7677, Kafka's rules): client-first,
/// server-first, client-final, server-final. Every failure is the same `.failure`.
public struct ScramServer: SaslMechanism {
    private enum State: Sendable {
        case awaitingClientFirst
        case awaitingClientFinal(Exchange)
        case done
    }

    private struct Exchange: Sendable {
        var user: String
        var credential: ScramCredential
        var known: Bool
        var gs2Header: String
        var clientFirstBare: String
        var serverFirst: String
        var nonce: String
    }

    public let algorithm: ScramAlgorithm
    private let lookup: any ScramCredentialLookup
    private let serverNonce: String
    private let fakeSecret: [UInt8]
    private var state = State.awaitingClientFirst
    /// The `n=` name of client-first, once parsed (known or not).
    public private(set) var attemptedUser: String?

    public var name: String { algorithm.mechanismName }

    /// - Parameters:
    ///   - serverNonce: the server's nonce part; random unless a test fixes it.
    ///   - fakeSecret: keys the stand-in credential of unknown users, so its salt is stable
    ///     for a name and an unknown user looks like a known one.
    public init(algorithm: ScramAlgorithm, lookup: any ScramCredentialLookup, fakeSecret: [UInt8],
                serverNonce: String? = nil) {
        self.algorithm = algorithm
        self.lookup = lookup
        self.fakeSecret = fakeSecret
        self.serverNonce = serverNonce ?? Self.randomNonce()
    }

    static func randomNonce() -> String {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<24).map { _ in UInt8.random(in: 0...255, using: &rng) }
        return Data(bytes).base64EncodedString()
    }

    public mutating func step(_ token: [UInt8]) -> SaslStep {
        switch state {
        case .awaitingClientFirst:
            return clientFirst(token)
        case .awaitingClientFinal(let exchange):
            state = .done
            return clientFinal(token, exchange)
        case .done:
            return .failure(reason: "token after the exchange finished")
        }
    }

    private mutating func clientFirst(_ token: [UInt8]) -> SaslStep {
        state = .done
        guard let text = String(validating: token, as: UTF8.self) else { return .failure(reason: "client-first is not UTF-8") }
        // gs2-header: only "n" (no channel binding), optional a=authzid.
        let parts = text.split(separator: ",", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "n" else { return .failure(reason: "unsupported gs2 header") }
        var authzid: String? = nil
        if !parts[1].isEmpty {
            guard parts[1].hasPrefix("a="), let a = Self.unescape(parts[1].dropFirst(2)) else {
                return .failure(reason: "bad authzid")
            }
            authzid = a
        }
        let bare = String(parts[2])
        let attributes = bare.split(separator: ",", omittingEmptySubsequences: false)
        guard attributes.count >= 2, attributes[0].hasPrefix("n="), attributes[1].hasPrefix("r="),
              let user = Self.unescape(attributes[0].dropFirst(2)), !user.isEmpty else {
            return .failure(reason: "bad client-first attributes")
        }
        let clientNonce = String(attributes[1].dropFirst(2))
        guard !clientNonce.isEmpty, clientNonce.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7e && $0 != 0x2c }) else {
            return .failure(reason: "bad client nonce")
        }
        // Extensions: Kafka ignores unknown ones; tokenauth needs delegation tokens, which we lack.
        for ext in attributes.dropFirst(2) where ext.hasPrefix("tokenauth=") && ext.lowercased() == "tokenauth=true" {
            return .failure(reason: "delegation tokens are not supported")
        }
        attemptedUser = user
        if let authzid, authzid != user { return .failure(reason: "authzid differs from the user") }
        let found = lookup.credential(user: user, algorithm: algorithm)
        // Known users derive the stand-in too, so both paths do the same HMACs.
        let standIn = fakeCredential(user: user)
        let credential = found ?? standIn
        let nonce = clientNonce + serverNonce
        let serverFirst = "r=\(nonce),s=\(Data(credential.salt).base64EncodedString()),i=\(credential.iterations)"
        state = .awaitingClientFinal(Exchange(
            user: user, credential: credential, known: found != nil, gs2Header: "\(parts[0]),\(parts[1]),",
            clientFirstBare: bare, serverFirst: serverFirst, nonce: nonce))
        return .challenge(Array(serverFirst.utf8))
    }

    private func clientFinal(_ token: [UInt8], _ ex: Exchange) -> SaslStep {
        guard let text = String(validating: token, as: UTF8.self) else { return .failure(reason: "client-final is not UTF-8") }
        guard let proofRange = text.range(of: ",p=", options: .backwards) else { return .failure(reason: "no proof") }
        let withoutProof = String(text[..<proofRange.lowerBound])
        let attributes = withoutProof.split(separator: ",", omittingEmptySubsequences: false)
        guard attributes.count >= 2, attributes[0].hasPrefix("c="), attributes[1].hasPrefix("r=") else {
            return .failure(reason: "bad client-final attributes")
        }
        guard let proof = Data(base64Encoded: String(text[proofRange.upperBound...])).map(Array.init),
              let binding = Data(base64Encoded: String(attributes[0].dropFirst(2))).map(Array.init) else {
            return .failure(reason: "bad base64")
        }
        // The same work for every user, known or not, before any verdict.
        let authMessage = Array("\(ex.clientFirstBare),\(ex.serverFirst),\(withoutProof)".utf8)
        let clientSignature = algorithm.hmac(key: ex.credential.storedKey, authMessage)
        var clientKey = [UInt8](repeating: 0, count: clientSignature.count)
        for i in 0..<clientKey.count { clientKey[i] = clientSignature[i] ^ (i < proof.count ? proof[i] : 0) }
        let proofOK = proof.count == clientSignature.count
            && ConstantTime.equal(algorithm.hash(clientKey), ex.credential.storedKey)
        let serverSignature = algorithm.hmac(key: ex.credential.serverKey, authMessage)
        // Kafka checks only that the final nonce ends with the server's part, and librdkafka
        // 2.0.2 relies on that: it sends client nonce + full nonce. The proof covers it either way.
        let finalNonce = attributes[1].dropFirst(2)
        let nonceOK = finalNonce.count > serverNonce.count && finalNonce.hasSuffix(serverNonce)
        let bindingOK = ConstantTime.equal(binding, Array(ex.gs2Header.utf8))
        guard ex.known, proofOK, nonceOK, bindingOK else {
            return .failure(reason: ex.known ? "bad proof, nonce or channel binding" : "unknown user")
        }
        return .success(user: ex.user, response: Array("v=\(Data(serverSignature).base64EncodedString())".utf8))
    }

    /// A stand-in credential for an unknown user, stable per name, costing what a real one does.
    private func fakeCredential(user: String) -> ScramCredential {
        let u = Array(user.utf8)
        let salt = Array(algorithm.hmac(key: fakeSecret, Array("salt".utf8) + u).prefix(32))
        return ScramCredential(algorithm: algorithm, salt: salt, iterations: ScramAlgorithm.defaultIterations,
                               storedKey: algorithm.hmac(key: fakeSecret, Array("stored".utf8) + u),
                               serverKey: algorithm.hmac(key: fakeSecret, Array("server".utf8) + u))
    }

    /// saslname: "=2C" is ",", "=3D" is "="; any other "=" is malformed.
    static func unescape(_ s: Substring) -> String? {
        guard s.contains("=") else { return String(s) }
        var out = ""
        var i = s.startIndex
        while i < s.endIndex {
            if s[i] == "=" {
                let code = s[s.index(after: i)...].prefix(2)
                switch code {
                case "2C": out.append(",")
                case "3D": out.append("=")
                default: return nil
                }
                i = s.index(i, offsetBy: 3)
            } else {
                out.append(s[i])
                i = s.index(after: i)
            }
        }
        return out
    }
}
