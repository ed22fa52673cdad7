import AuditLog
import BrokerSecurity
import KafkaWire
import Logging
import NIOCore

/// A connection's authentication: on SASL listeners it drives the `SaslSession` state
/// machine (handshake, tokens in SaslAuthenticate or raw v0 frames) and lets only
/// ApiVersions and SaslHandshake through before it succeeds; then every request is served
/// as the authenticated principal.
struct ConnectionAuthenticator {
    private var session: SaslSession?
    /// `User:<name>`; `User:ANONYMOUS` until someone is authenticated.
    private(set) var principal: String

    static let anonymous = "User:ANONYMOUS"

    /// `connections.max.reauth.ms`; 0 means a session does not expire.
    private let maxReauthMs: Int64
    private var expiresAtMs: Int64?
    private let now: @Sendable () -> Int64
    /// The listener's failed-attempt limit and failure delay; nil: neither.
    private let failures: RateLimitedAuthentication?

    init(session: SaslSession?, principal: String = Self.anonymous, maxReauthMs: Int64 = 0,
         failures: RateLimitedAuthentication? = nil, now: @escaping @Sendable () -> Int64 = { BrokerState.nowMs() }) {
        self.session = session
        self.principal = principal
        self.maxReauthMs = maxReauthMs
        self.failures = failures
        self.now = now
    }

    /// A token through the session, then the failure policy: a success from an address over
    /// its limit becomes the ordinary failure (the client cannot tell why), every failure is
    /// counted and logged with the address and the mechanism's account of it, and answered
    /// only after `connection.failed.authentication.delay.ms`.
    private mutating func step(_ session: inout SaslSession, token: [UInt8], connection: ConnectionInfo,
                               audit: BrokerAudit, logger: Logger) async -> SaslSession.TokenAction {
        let mechanism = Self.mechanism(of: session)
        var action = session.token(token)
        if case .failure(_, let reason) = action, failures == nil {
            Self.auditFailure(session, reason: reason, mechanism: mechanism, connection: connection, audit: audit)
        }
        guard let failures else { return action }
        let address = connection.remoteAddress
        if case .success = action, failures.isLimited(address, nowMs: now()) {
            var mechanism = ""
            if case .authenticated(_, let m) = session.state { mechanism = m }
            action = .failure(message: SaslFailure.message(mechanism: mechanism), reason: "rate limited")
        }
        if case .failure(_, let reason) = action {
            failures.recordFailure(address, nowMs: now())
            let principal = Self.claimedPrincipal(session)
            logger.warning("SASL authentication failed", metadata: ["connection": "\(connection.id)", "client": "\(address)",
                                                                    "listener": "\(connection.listener)",
                                                                    "principal": "\(principal ?? "unknown")", "reason": "\(reason)"])
            Self.auditFailure(session, reason: reason, mechanism: mechanism, connection: connection, audit: audit)
            if failures.failureDelayMs > 0 { try? await Task.sleep(for: .milliseconds(failures.failureDelayMs)) }
        }
        return action
    }

    mutating func setPrincipal(_ p: String) { principal = p }

    mutating func handle(frame: ByteBuffer, connection: ConnectionInfo, dispatcher: RequestDispatcher,
                         logger: Logger) async -> RequestDispatcher.Outcome {
        guard var session else {
            return await dispatcher.dispatch(frame: frame, connection: connection, principal: principal)
        }
        defer { self.session = session }
        if session.expectsRawToken {
            // After SaslHandshake v0: the frame is a bare token, and so is each answer.
            let action = await step(&session, token: Array(frame.readableBytesView), connection: connection,
                                  audit: dispatcher.audit, logger: logger)
            switch action {
            case .challenge(let bytes):
                return .respond(Self.rawFrame(bytes))
            case .success(let user, let bytes):
                if let failure = await authenticated(user, session: session, connection: connection, audit: dispatcher.audit, logger: logger) {
                    return .close(reason: failure)
                }
                return .respond(Self.rawFrame(bytes))
            case .failure(_, let reason):
                return .close(reason: "SASL authentication failed (\(reason))")
            }
        }
        let request: KafkaRequestFrame
        do {
            request = try KafkaRequestFrame(frame: frame)
        } catch {
            return .close(reason: "unparsable request header during SASL authentication (\(error))")
        }
        // KIP-368: past its lifetime a session serves nothing but a re-authentication.
        if session.isAuthenticated, let expiry = expiresAtMs, now() > expiry, request.apiKey != .saslHandshake {
            return .close(reason: "SASL session expired (connections.max.reauth.ms)")
        }
        switch session.request(apiKey: request.apiKey.rawValue) {
        case .serve:
            return await dispatcher.dispatch(frame: frame, connection: connection, principal: principal)
        case .illegalState(let message):
            return Self.illegalState(request, message: message)
        case .handshake:
            guard SaslHandshakeRequest.versions.contains(request.apiVersion),
                  let body = try? request.decode(as: SaslHandshakeRequest.self) else {
                return .close(reason: "malformed SaslHandshake v\(request.apiVersion)")
            }
            switch session.handshake(mechanism: body.mechanism, version: request.apiVersion) {
            case .accept(let enabled):
                return Self.encode(SaslHandshakeResponse(errorCode: 0, mechanisms: enabled), request)
            case .unsupported(let enabled):
                let response = SaslHandshakeResponse(errorCode: KafkaErrorCode.unsupportedSaslMechanism.rawValue, mechanisms: enabled)
                return Self.encode(response, request).closing(reason: "unsupported SASL mechanism")
            }
        case .authenticate:
            guard SaslAuthenticateRequest.versions.contains(request.apiVersion),
                  let body = try? request.decode(as: SaslAuthenticateRequest.self) else {
                return .close(reason: "malformed SaslAuthenticate v\(request.apiVersion)")
            }
            switch await step(&session, token: body.authBytes, connection: connection, audit: dispatcher.audit, logger: logger) {
            case .challenge(let bytes):
                return Self.encode(SaslAuthenticateResponse(errorCode: 0, errorMessage: nil, authBytes: bytes), request)
            case .success(let user, let bytes):
                if let failure = await authenticated(user, session: session, connection: connection, audit: dispatcher.audit, logger: logger) {
                    return .close(reason: failure)
                }
                return Self.encode(SaslAuthenticateResponse(errorCode: 0, errorMessage: nil, authBytes: bytes,
                                                            sessionLifetimeMs: maxReauthMs), request)
            case .failure(let message, let reason):
                let response = SaslAuthenticateResponse(errorCode: KafkaErrorCode.saslAuthenticationFailed.rawValue,
                                                        errorMessage: message)
                return Self.encode(response, request).closing(reason: "SASL authentication failed (\(reason))")
            }
        }
    }

    /// Takes `user` as the connection's principal once its audit event is persisted: the
    /// success answer never leaves before the event that records it. Returns why the
    /// connection must close instead when a fail-closed event could not be persisted.
    private mutating func authenticated(_ user: String, session: SaslSession, connection: ConnectionInfo,
                                        audit: BrokerAudit, logger: Logger) async -> String? {
        let candidate = "User:\(user)"
        let mechanism = Self.mechanism(of: session)
        do {
            try await audit.recordDurably(AuditEvent(kind: .authentication, time: BrokerAudit.nowMs(), principal: candidate,
                                                     result: .allowed, clientAddress: connection.remoteAddress,
                                                     listener: connection.listener, connectionId: connection.id,
                                                     mechanism: mechanism))
        } catch {
            return "the authentication of \(candidate) could not be audited (\(error))"
        }
        BrokerMetrics.authentication(mechanism: mechanism, success: true)
        principal = candidate
        expiresAtMs = maxReauthMs > 0 ? now() + maxReauthMs : nil
        logger.info("authenticated", metadata: ["connection": "\(connection.id)", "client": "\(connection.remoteAddress)",
                                                "principal": "\(principal)", "mechanism": "\(mechanism)"])
        return nil
    }

    static func mechanism(of session: SaslSession) -> String {
        switch session.state {
        case .authenticating(let m, _), .authenticated(_, let m): m
        default: ""
        }
    }

    /// The name a client claimed, as `User:<name>`. It is the client's text: control
    /// characters would forge log lines, so they are dropped.
    static func claimedPrincipal(_ session: SaslSession) -> String? {
        session.attemptedUser.map { "User:" + String($0.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7f }) }
    }

    /// A failed attempt for the audit log: the claimed name, the mechanism and the broker's
    /// reason — never a password or token.
    static func auditFailure(_ session: SaslSession, reason: String, mechanism: String, connection: ConnectionInfo,
                             audit: BrokerAudit) {
        BrokerMetrics.authentication(mechanism: mechanism, success: false)
        audit.record(AuditEvent(kind: .authentication, time: BrokerAudit.nowMs(), principal: claimedPrincipal(session) ?? "",
                                result: .denied,
                                reason: reason, clientAddress: connection.remoteAddress, listener: connection.listener,
                                connectionId: connection.id, mechanism: mechanism))
    }

    static func rawFrame(_ bytes: [UInt8]) -> ByteBuffer {
        var out = ByteBuffer()
        out.writeInteger(Int32(bytes.count))
        out.writeBytes(bytes)
        return out
    }

    static func encode<M: KafkaApiMessage>(_ message: M, _ request: KafkaRequestFrame) -> RequestDispatcher.Outcome {
        var out = ByteBuffer()
        do {
            try message.encodeResponseFrame(version: request.apiVersion, correlationId: request.correlationId, into: &out)
            return .respond(out)
        } catch {
            return .close(reason: "could not encode \(M.self) (\(error))")
        }
    }

    /// ILLEGAL_SASL_STATE in the request's own response type where we can build one
    /// (the SASL APIs), then close; other APIs are closed without an answer.
    static func illegalState(_ request: KafkaRequestFrame, message: String) -> RequestDispatcher.Outcome {
        let code = KafkaErrorCode.illegalSaslState.rawValue
        switch request.apiKey {
        case .saslAuthenticate where SaslAuthenticateRequest.versions.contains(request.apiVersion):
            return encode(SaslAuthenticateResponse(errorCode: code, errorMessage: message), request).closing(reason: message)
        case .saslHandshake where SaslHandshakeRequest.versions.contains(request.apiVersion):
            return encode(SaslHandshakeResponse(errorCode: code), request).closing(reason: message)
        default:
            return .close(reason: message)
        }
    }
}

extension RequestDispatcher.Outcome {
    /// This answer, then close the connection.
    func closing(reason: String) -> RequestDispatcher.Outcome {
        if case .respond(let bytes) = self { return .respondAndClose(bytes, reason: reason) }
        return self
    }
}
