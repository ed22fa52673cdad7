import KafkaWire
import NIOCore

/// One Kafka API: its request and response types, the versions it serves, and `handle`.
/// Errors are Kafka error codes written into the response, never thrown.
protocol ApiHandler: Sendable {
    associatedtype Request: KafkaApiMessage
    associatedtype Response: KafkaApiMessage
    /// The versions advertised in ApiVersions; defaults to all the codec implements.
    var versions: ClosedRange<Int16> { get }
    /// The response, or nil when none is sent (a Produce with acks=0).
    func handle(_ request: Request, context: RequestContext) async -> Response?
}

extension ApiHandler {
    var versions: ClosedRange<Int16> { Request.versions }
}

/// A handler with its types erased, so the registry can hold them by API key.
struct RegisteredHandler: Sendable {
    let apiKey: KafkaApiKey
    let versions: ClosedRange<Int16>
    let run: @Sendable (KafkaRequestFrame, RequestContext) async throws(KafkaWireError) -> ByteBuffer?

    init<H: ApiHandler>(_ handler: H) {
        apiKey = H.Request.apiKey
        versions = handler.versions
        run = { (frame: KafkaRequestFrame, context: RequestContext) async throws(KafkaWireError) -> ByteBuffer? in
            let request = try frame.decode(as: H.Request.self)
            guard let response = await handler.handle(request, context: context) else { return nil }
            var out = ByteBuffer()
            try response.encodeResponseFrame(version: frame.apiVersion, correlationId: frame.correlationId, into: &out)
            return out
        }
    }
}
