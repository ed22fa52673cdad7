/// PLAIN (RFC 4616): one token `[authzid] NUL authcid NUL passwd`, checked against the
/// SCRAM store by deriving with the stored salt and iterations.
public struct PlainServer: SaslMechanism {
    private let lookup: any ScramCredentialLookup
    private let fakeSecret: [UInt8]
    private var used = false
    public private(set) var attemptedUser: String?

    public var name: String { "PLAIN" }

    public init(lookup: any ScramCredentialLookup, fakeSecret: [UInt8]) {
        self.lookup = lookup
        self.fakeSecret = fakeSecret
    }

    /// The three fields, or nil when the token is malformed.
    static func parse(_ token: [UInt8]) -> (authzid: String, user: String, password: [UInt8])? {
        let fields = token.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
        guard fields.count == 3, !fields[1].isEmpty, !fields[2].isEmpty, !fields[2].contains(0),
              let authzid = String(validating: fields[0], as: UTF8.self),
              let user = String(validating: fields[1], as: UTF8.self) else { return nil }
        return (authzid, user, Array(fields[2]))
    }

    public mutating func step(_ token: [UInt8]) -> SaslStep {
        guard !used else { return .failure(reason: "token after the exchange finished") }
        used = true
        guard let (authzid, user, password) = Self.parse(token) else { return .failure(reason: "malformed PLAIN token") }
        attemptedUser = user
        guard authzid.isEmpty || authzid == user else { return .failure(reason: "authzid differs from the user") }
        let found = lookup.credential(user: user, algorithm: .sha512) ?? lookup.credential(user: user, algorithm: .sha256)
        // Unknown users pay for one derivation too, at the iterations most real ones have;
        // known users compute the stand-in's salt as well, so both paths do the same HMACs.
        let standIn = ScramCredential(
            algorithm: .sha512, salt: Array(ScramAlgorithm.sha512.hmac(key: fakeSecret, Array(user.utf8)).prefix(32)),
            iterations: ScramAlgorithm.defaultIterations, storedKey: [UInt8](repeating: 0, count: 64),
            serverKey: [])
        let credential = found ?? standIn
        let ok = credential.matches(password: password)
        guard found != nil, ok else { return .failure(reason: found == nil ? "unknown user" : "wrong password") }
        return .success(user: user, response: [])
    }
}
