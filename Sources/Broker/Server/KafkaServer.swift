import KafkaWire
import Logging
import NIOCore
import NIOPosix

/// Accepts connections on one listener and serves each with its own task.
final class KafkaServer: Sendable {
    private let listener: Listener
    private let dispatcher: RequestDispatcher
    private let maxFrameSize: Int
    private let idleTimeout: TimeAmount
    private let requestReadTimeout: TimeAmount
    private let logger: Logger
    let connections = ConnectionTracker()

    init(listener: Listener, dispatcher: RequestDispatcher, maxFrameSize: Int, idleTimeoutMs: Int64,
         requestReadTimeoutMs: Int64, logger: Logger) {
        self.listener = listener
        self.dispatcher = dispatcher
        self.maxFrameSize = maxFrameSize
        self.idleTimeout = .milliseconds(idleTimeoutMs)
        self.requestReadTimeout = .milliseconds(requestReadTimeoutMs)
        self.logger = logger
    }

    func bind(group: any EventLoopGroup) async throws -> any Channel {
        let host = listener.host.isEmpty ? "0.0.0.0" : listener.host
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 1024)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try self.setUp(channel) }
            }
            .bind(host: host, port: listener.port)
            .get()
    }

    private func setUp(_ channel: any Channel) throws {
        let id = connections.add(channel)
        let info = ConnectionInfo(
            id: id,
            remoteAddress: channel.remoteAddress?.ipAddress ?? "unknown",
            listener: listener.name
        )
        let (frames, continuation) = AsyncStream.makeStream(of: ByteBuffer.self)
        let ops = channel.pipeline.syncOperations
        try ops.addHandler(IdleStateHandler(allTimeout: idleTimeout))
        try ops.addHandler(RequestReadTimeoutHandler(timeout: requestReadTimeout, logger: logger))
        try ops.addHandler(ByteToMessageHandler(KafkaFrameDecoder(maxFrameSize: maxFrameSize)))
        try ops.addHandler(ConnectionHandler(frames: continuation, info: info, logger: logger))
        let dispatcher = self.dispatcher
        let logger = self.logger
        let connections = self.connections
        Task {
            for await frame in frames {
                switch await dispatcher.dispatch(frame: frame, connection: info) {
                case .respond(let bytes):
                    channel.writeAndFlush(bytes, promise: nil)
                case .noResponse:
                    break
                case .close(let reason):
                    logger.warning("closing connection", metadata: [
                        "connection": "\(info.id)", "client": "\(info.remoteAddress)", "reason": "\(reason)",
                    ])
                    channel.close(promise: nil)
                    continuation.finish()
                }
            }
            // Input ended (peer closed, shutdown, or error): answers already written stay queued.
            try? await channel.close(mode: .all)
            connections.remove(info.id)
        }
    }
}
