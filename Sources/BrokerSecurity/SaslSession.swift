/// One connection's SASL state (Kafka's `SaslServerAuthenticator`) as a struct: each input
/// returns what the connection must do; the connection does the I/O.
///
/// Before authentication only ApiVersions and SaslHandshake are allowed; after a v1
/// handshake tokens arrive in SaslAuthenticate requests, after a v0 handshake as raw
/// length-prefixed frames. Any failure closes the connection.
public struct SaslSession: Sendable {
    public enum State: Sendable, Equatable {
        case awaitingHandshake
        /// Handshake done; `rawFrames` is true after a v0 handshake.
        case authenticating(mechanism: String, rawFrames: Bool)
        case authenticated(user: String, mechanism: String)
        case failed
    }

    /// What to do with a Kafka request (by API key) on this connection.
    public enum RequestAction: Sendable, Equatable {
        /// Serve it as usual (ApiVersions before authentication, anything after).
        case serve
        /// Decode it as SaslHandshake and call `handshake`.
        case handshake
        /// Decode it as SaslAuthenticate and call `authenticate`.
        case authenticate
        /// Answer ILLEGAL_SASL_STATE (34) and close.
        case illegalState(message: String)
    }

    public enum HandshakeAction: Sendable, Equatable {
        /// Answer with no error and the enabled list.
        case accept(enabled: [String])
        /// Answer UNSUPPORTED_SASL_MECHANISM (33) with the enabled list, then close.
        case unsupported(enabled: [String])
    }

    public enum TokenAction: Sendable, Equatable {
        /// Send the bytes (v1: in a SaslAuthenticate response; v0: as a raw frame).
        case challenge([UInt8])
        /// Authenticated: send the last bytes, then serve requests as `User:<user>`.
        case success(user: String, response: [UInt8])
        /// Answer SASL_AUTHENTICATION_FAILED (58) with `message` (v1) and close.
        case failure(message: String, reason: String)
    }

    public static let apiVersionsKey: Int16 = 18
    public static let saslHandshakeKey: Int16 = 17
    public static let saslAuthenticateKey: Int16 = 36

    public let enabledMechanisms: [String]
    private let makeMechanism: @Sendable (String) -> (any SaslMechanism)?
    private var mechanism: (any SaslMechanism)?
    public private(set) var state: State = .awaitingHandshake
    /// The user the client claimed in the latest exchange, kept after a failure so the
    /// broker can log who was tried (never sent back to the client).
    public private(set) var attemptedUser: String?

    /// - Parameter makeMechanism: builds a fresh server mechanism for an enabled name.
    /// KIP-368: a SaslHandshake after success starts a re-authentication, which must use
    /// the same mechanism and end as the same user.
    public let allowsReauthentication: Bool
    private var previous: (user: String, mechanism: String)?

    public init(enabledMechanisms: [String], allowsReauthentication: Bool = false,
                makeMechanism: @escaping @Sendable (String) -> (any SaslMechanism)?) {
        self.enabledMechanisms = enabledMechanisms
        self.allowsReauthentication = allowsReauthentication
        self.makeMechanism = makeMechanism
    }

    public var isAuthenticated: Bool {
        if case .authenticated = state { return true }
        return false
    }

    /// True when the next frame is a raw token, not a Kafka request (after a v0 handshake).
    public var expectsRawToken: Bool {
        if case .authenticating(_, true) = state { return true }
        return false
    }

    public mutating func request(apiKey: Int16) -> RequestAction {
        switch state {
        case .authenticated:
            if apiKey == Self.saslHandshakeKey, allowsReauthentication { return .handshake }
            return .serve
        case .awaitingHandshake:
            if apiKey == Self.apiVersionsKey { return .serve }
            if apiKey == Self.saslHandshakeKey { return .handshake }
            state = .failed
            return .illegalState(message: "Unexpected Kafka request of type \(apiKey) during SASL handshake.")
        case .authenticating(_, false):
            if apiKey == Self.saslAuthenticateKey { return .authenticate }
            state = .failed
            return .illegalState(message: "Unexpected Kafka request of type \(apiKey) during SASL authentication.")
        case .authenticating(_, true), .failed:
            state = .failed
            return .illegalState(message: "Unexpected Kafka request of type \(apiKey) during SASL authentication.")
        }
    }

    public mutating func handshake(mechanism name: String, version: Int16) -> HandshakeAction {
        if case .authenticated(let user, let mechanism) = state, allowsReauthentication, version >= 1 {
            guard name == mechanism, let m = makeMechanism(name) else {
                state = .failed
                return .unsupported(enabled: [mechanism])
            }
            previous = (user, mechanism)
            self.mechanism = m
            state = .authenticating(mechanism: name, rawFrames: false)
            return .accept(enabled: enabledMechanisms)
        }
        guard case .awaitingHandshake = state, enabledMechanisms.contains(name), let m = makeMechanism(name) else {
            state = .failed
            return .unsupported(enabled: enabledMechanisms)
        }
        mechanism = m
        state = .authenticating(mechanism: name, rawFrames: version == 0)
        return .accept(enabled: enabledMechanisms)
    }

    /// A client token, from SaslAuthenticate (v1) or a raw frame (v0).
    public mutating func token(_ bytes: [UInt8]) -> TokenAction {
        guard case .authenticating(let name, _) = state, var m = mechanism else {
            state = .failed
            return .failure(message: "Unexpected SASL token", reason: "no handshake")
        }
        let step = m.step(bytes)
        mechanism = m
        attemptedUser = m.attemptedUser ?? attemptedUser
        switch step {
        case .challenge(let bytes):
            return .challenge(bytes)
        case .success(let user, let response):
            mechanism = nil
            if let previous, previous.user != user {
                state = .failed
                return .failure(message: SaslFailure.message(mechanism: name), reason: "re-authenticated as another user")
            }
            previous = nil
            state = .authenticated(user: user, mechanism: name)
            return .success(user: user, response: response)
        case .failure(let reason):
            mechanism = nil
            state = .failed
            return .failure(message: SaslFailure.message(mechanism: name), reason: reason)
        }
    }
}
