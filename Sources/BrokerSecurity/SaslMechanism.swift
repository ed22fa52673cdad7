/// One server-side SASL mechanism: a step function over the client's tokens.
public protocol SaslMechanism: Sendable {
    var name: String { get }
    mutating func step(_ token: [UInt8]) -> SaslStep
    /// The user the client claimed so far (for the failure log), nil until it is known.
    var attemptedUser: String? { get }
}

extension SaslMechanism {
    public var attemptedUser: String? { nil }
}

/// What a mechanism answers to one client token.
public enum SaslStep: Sendable, Equatable {
    /// Send these bytes and wait for the next token.
    case challenge([UInt8])
    /// Authenticated as `user`; send `response` (possibly empty) as the last server token.
    case success(user: String, response: [UInt8])
    /// Authentication failed. The reason is for tests and debugging; clients only ever see
    /// `SaslFailure.message(mechanism:)`, which is the same for every failure.
    case failure(reason: String)
}

public enum SaslFailure {
    /// Kafka's message, identical for unknown users, wrong passwords and bad proofs.
    public static func message(mechanism: String) -> String {
        "Authentication failed during authentication due to invalid credentials with SASL mechanism \(mechanism)"
    }
}

/// Where mechanisms find SCRAM credentials.
public protocol ScramCredentialLookup: Sendable {
    func credential(user: String, algorithm: ScramAlgorithm) -> ScramCredential?
}
