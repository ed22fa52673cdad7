import Logging
import NIOCore

/// Closes a connection whose request has started but not finished arriving within the
/// timeout, so a client trickling a byte a second cannot hold a connection (and its
/// buffers) forever. Idle connections between requests are the idle timeout's business.
final class RequestReadTimeoutHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let timeout: TimeAmount
    private let logger: Logger
    private var tracker = FrameBoundaryTracker()
    private var deadline: Scheduled<Void>?

    init(timeout: TimeAmount, logger: Logger) {
        self.timeout = timeout
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        tracker.consume(unwrapInboundIn(data))
        if tracker.isInsideFrame {
            if deadline == nil {
                let loopContext = NIOLoopBound(context, eventLoop: context.eventLoop)
                let logger = self.logger
                let timeout = self.timeout
                deadline = context.eventLoop.scheduleTask(in: timeout) {
                    logger.warning("closing connection: request not received within the read timeout",
                                   metadata: ["client": "\(loopContext.value.remoteAddress?.description ?? "unknown")",
                                              "timeout_ms": "\(timeout.nanoseconds / 1_000_000)"])
                    loopContext.value.close(promise: nil)
                }
            }
        } else {
            deadline?.cancel()
            deadline = nil
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
        context.fireChannelInactive()
    }
}
