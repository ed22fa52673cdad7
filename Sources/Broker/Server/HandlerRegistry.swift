import KafkaWire
import NIOCore

/// The handlers by API key. ApiVersions is answered from this registry, so what the
/// broker advertises is exactly what it serves.
struct HandlerRegistry: Sendable {
    private var handlers: [Int16: RegisteredHandler] = [:]

    mutating func register<H: ApiHandler>(_ handler: H) {
        precondition(handler.versions.clamped(to: H.Request.versions) == handler.versions,
                     "\(H.self) advertises versions its codec lacks")
        handlers[H.Request.apiKey.rawValue] = RegisteredHandler(handler)
    }

    func handler(for key: KafkaApiKey) -> RegisteredHandler? {
        handlers[key.rawValue]
    }

    /// The ApiVersions entries, in key order.
    var advertised: [ApiVersionsResponse.ApiVersion] {
        handlers.values.sorted { $0.apiKey.rawValue < $1.apiKey.rawValue }.map {
            .init(apiKey: $0.apiKey.rawValue, minVersion: $0.versions.lowerBound, maxVersion: $0.versions.upperBound)
        }
    }
}
