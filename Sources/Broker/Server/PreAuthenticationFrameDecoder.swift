import KafkaWire
import NIOCore
import Synchronization

/// Whether a connection has authenticated; set by its task, read by its frame decoder.
final class AuthenticationFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .acquiring) }
    func set() { value.store(true, ordering: .releasing) }
}

/// The frame decoder of a SASL listener: until the connection authenticates, frames are
/// limited to `sasl.server.max.receive.size` (Kafka's default 512 KiB), so an anonymous
/// peer cannot make the broker wait for, or buffer, a request-sized frame.
struct PreAuthenticationFrameDecoder: NIOSingleStepByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    let maxFrameSize: Int
    let maxUnauthenticatedFrameSize: Int
    let authenticated: AuthenticationFlag

    mutating func decode(buffer: inout ByteBuffer) throws -> ByteBuffer? {
        let limit = authenticated.isSet ? maxFrameSize : min(maxFrameSize, maxUnauthenticatedFrameSize)
        return try KafkaFrame.next(from: &buffer, maxFrameSize: limit)
    }

    mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> ByteBuffer? {
        try decode(buffer: &buffer)
    }
}
