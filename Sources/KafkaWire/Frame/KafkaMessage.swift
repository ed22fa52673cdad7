import NIOCore

/// A message with a generated codec: a request or response body, or a header.
public protocol KafkaWireMessage: Hashable, Sendable {
    /// The versions this codec implements.
    static var versions: ClosedRange<Int16> { get }
    /// The message with every field at its default.
    init()
    init(from buffer: inout ByteBuffer, version: Int16) throws(KafkaWireError)
    func encode(into buffer: inout ByteBuffer, version: Int16) throws(KafkaWireError)
}

/// A request or response body of one Kafka API.
public protocol KafkaApiMessage: KafkaWireMessage {
    static var apiKey: KafkaApiKey { get }
}
