import KafkaWire
import Logging
import NIOCore

/// Turns one request frame into what the connection does next.
struct RequestDispatcher: Sendable {
    enum Outcome: Sendable {
        case respond(ByteBuffer)
        case noResponse
        /// Answer, then close (SASL failures).
        case respondAndClose(ByteBuffer, reason: String)
        /// Answer (if there is an answer), then stop reading the connection for a quota's
        /// throttle time.
        case respondThenMute(ByteBuffer?, milliseconds: Int64)
        /// Close the connection, as Kafka does for requests it cannot parse or serve.
        case close(reason: String)
    }

    let registry: HandlerRegistry
    let authorizer: BrokerAuthorizer
    let audit: BrokerAudit
    let logger: Logger

    func dispatch(frame: ByteBuffer, connection: ConnectionInfo, principal: String = "User:ANONYMOUS") async -> Outcome {
        let request: KafkaRequestFrame
        do {
            request = try KafkaRequestFrame(frame: frame)
        } catch {
            return .close(reason: "unparsable request header (\(error))")
        }
        let key = request.apiKey
        let version = request.apiVersion
        guard let handler = registry.handler(for: key) else {
            return .close(reason: "unsupported API key \(key.rawValue)")
        }
        guard handler.versions.contains(version) else {
            // A client probing with a newer ApiVersions gets a v0 answer naming our range,
            // then retries; any other unsupported version is a protocol error.
            if key == .apiVersions {
                return respondUnsupportedApiVersions(request, range: handler.versions)
            }
            return .close(reason: "unsupported version \(version) of \(key.name)")
        }
        let context = RequestContext(
            connectionId: connection.id,
            clientId: request.header.clientId,
            clientAddress: connection.remoteAddress,
            listener: connection.listener,
            apiKey: key,
            apiVersion: version,
            correlationId: request.correlationId,
            principal: principal,
            authorizer: authorizer,
            audit: audit
        )
        if audit.refuses(key) {
            return .close(reason: "\(key.name) refused: the audit log cannot persist events and admin changes are fail-closed")
        }
        let response: ByteBuffer?
        let started = ContinuousClock.now
        defer {
            let took = ContinuousClock.now - started
            BrokerMetrics.request(api: key.name, nanoseconds: took.components.seconds * 1_000_000_000 + took.components.attoseconds / 1_000_000_000)
        }
        do {
            response = try await handler.run(request, context)
        } catch {
            return .close(reason: "malformed \(key.name) v\(version) request (\(error))")
        }
        // The request's audit events are on disk before it is acknowledged; when a
        // fail-closed one cannot be persisted the client gets no answer, only a close.
        do {
            try await context.auditTrail.waitDurable(audit)
        } catch {
            return .close(reason: "audit events of \(key.name) could not be persisted (\(error))")
        }
        let mute = context.throttle.milliseconds
        if mute > 0 { return .respondThenMute(response, milliseconds: mute) }
        guard let response else { return .noResponse }
        return .respond(response)
    }

    private func respondUnsupportedApiVersions(_ request: KafkaRequestFrame, range: ClosedRange<Int16>) -> Outcome {
        let body = ApiVersionsResponse(
            errorCode: KafkaErrorCode.unsupportedVersion.rawValue,
            apiKeys: [.init(apiKey: KafkaApiKey.apiVersions.rawValue, minVersion: range.lowerBound, maxVersion: range.upperBound)]
        )
        var out = ByteBuffer()
        do {
            try body.encodeResponseFrame(version: 0, correlationId: request.correlationId, into: &out)
            return .respond(out)
        } catch {
            return .close(reason: "could not encode ApiVersions fallback (\(error))")
        }
    }
}

/// Who is on the other end of a connection.
struct ConnectionInfo: Sendable {
    let id: UInt64
    let remoteAddress: String
    let listener: String
}
