
/// What the broker keeps for one user and one SCRAM mechanism: never the password.
public struct ScramCredential: Sendable, Hashable {
    public var algorithm: ScramAlgorithm
    public var salt: [UInt8]
    public var iterations: Int
    /// H(HMAC(SaltedPassword, "Client Key"))
    public var storedKey: [UInt8]
    /// HMAC(SaltedPassword, "Server Key")
    public var serverKey: [UInt8]

    public init(algorithm: ScramAlgorithm, salt: [UInt8], iterations: Int, storedKey: [UInt8], serverKey: [UInt8]) {
        self.algorithm = algorithm
        self.salt = salt
        self.iterations = iterations
        self.storedKey = storedKey
        self.serverKey = serverKey
    }

    /// Derives a credential from a password with a fresh random salt.
    public static func make(password: [UInt8], algorithm: ScramAlgorithm, iterations: Int) throws(SecurityError) -> ScramCredential {
        guard ScramAlgorithm.iterationRange.contains(iterations) else {
            throw SecurityError(.invalidArgument, "iterations must be within \(ScramAlgorithm.iterationRange.lowerBound)-\(ScramAlgorithm.iterationRange.upperBound)")
        }
        var rng = SystemRandomNumberGenerator()
        let salt = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        return derive(password: password, salt: salt, iterations: iterations, algorithm: algorithm)
    }

    public static func derive(password: [UInt8], salt: [UInt8], iterations: Int, algorithm: ScramAlgorithm) -> ScramCredential {
        fromSaltedPassword(algorithm.saltedPassword(password, salt: salt, iterations: iterations), salt: salt,
                           iterations: iterations, algorithm: algorithm)
    }

    /// From a SaltedPassword computed elsewhere (AlterUserScramCredentials sends one).
    public static func fromSaltedPassword(_ salted: [UInt8], salt: [UInt8], iterations: Int,
                                          algorithm: ScramAlgorithm) -> ScramCredential {
        ScramCredential(algorithm: algorithm, salt: salt, iterations: iterations,
                               storedKey: algorithm.hash(algorithm.hmac(key: salted, Array("Client Key".utf8))),
                               serverKey: algorithm.hmac(key: salted, Array("Server Key".utf8)))
    }

    /// True when `password` derives this credential's StoredKey (compared in constant time).
    public func matches(password: [UInt8]) -> Bool {
        let derived = Self.derive(password: password, salt: salt, iterations: iterations, algorithm: algorithm)
        return ConstantTime.equal(derived.storedKey, storedKey)
    }
}
