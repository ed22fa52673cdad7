import KafkaWire
import Logging
import NIOCore

/// The channel end of a connection: hands frames, in order, to the connection's task,
/// which serves them one at a time (Kafka answers a connection's requests in order).
final class ConnectionHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    private let frames: AsyncStream<ByteBuffer>.Continuation
    private let info: ConnectionInfo
    private let logger: Logger

    init(frames: AsyncStream<ByteBuffer>.Continuation, info: ConnectionInfo, logger: Logger) {
        self.frames = frames
        self.info = info
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        frames.yield(unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        frames.finish()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .all {
            logger.info("closing idle connection", metadata: ["connection": "\(info.id)", "client": "\(info.remoteAddress)"])
            context.close(promise: nil)
        } else if let half = event as? ChannelEvent, half == .inputClosed {
            // Shutdown closes input: serve what is queued, then the task closes the channel.
            frames.finish()
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        let reason: String
        if let wire = error as? KafkaWireError, wire.code == .limitExceeded {
            reason = "\(wire.message) (socket.request.max.bytes)"
        } else {
            reason = "\(error)"
        }
        logger.warning("closing connection", metadata: [
            "connection": "\(info.id)", "client": "\(info.remoteAddress)", "reason": "\(reason)",
        ])
        frames.finish()
        context.close(promise: nil)
    }
}
