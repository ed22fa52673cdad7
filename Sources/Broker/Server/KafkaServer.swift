import KafkaWire
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// Accepts connections on one listener and serves each with its own task.
final class KafkaServer: Sendable {
    let listener: Listener
    let security: ListenerRuntime
    private let dispatcher: RequestDispatcher
    private let maxFrameSize: Int
    private let idleTimeout: TimeAmount
    private let requestReadTimeout: TimeAmount
    private let logger: Logger
    let connections = ConnectionTracker()
    private let limits: ConnectionLimits

    init(listener: Listener, security: ListenerRuntime, dispatcher: RequestDispatcher, maxFrameSize: Int, idleTimeoutMs: Int64,
         requestReadTimeoutMs: Int64, logger: Logger, limits: ConnectionLimits = ConnectionLimits()) {
        self.limits = limits
        self.listener = listener
        self.security = security
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
        let address = channel.remoteAddress?.ipAddress ?? "unknown"
        let verdict = limits.admit(address)
        guard verdict == .admitted else {
            let reason = verdict == .overTotal ? "max.connections" : "max.connections.per.ip"
            BrokerMetrics.connectionRejected(reason: reason)
            logger.warning("connection refused: over \(reason)", metadata: ["client": "\(address)", "listener": "\(listener.name)"])
            channel.close(promise: nil)
            return
        }
        let limits = self.limits
        channel.closeFuture.whenComplete { _ in
            limits.release(address)
            BrokerMetrics.openConnections(limits.open)
        }
        BrokerMetrics.openConnections(limits.open)
        let id = connections.add(channel)
        let info = ConnectionInfo(
            id: id,
            remoteAddress: channel.remoteAddress?.ipAddress ?? "unknown",
            listener: listener.name
        )
        let (frames, continuation) = AsyncStream.makeStream(of: ByteBuffer.self)
        let ops = channel.pipeline.syncOperations
        if let tls = security.tlsContext {
            try ops.addHandler(NIOSSLServerHandler(context: tls))
        }
        try ops.addHandler(IdleStateHandler(allTimeout: idleTimeout))
        try ops.addHandler(RequestReadTimeoutHandler(timeout: requestReadTimeout, logger: logger))
        let authenticated = AuthenticationFlag()
        if security.settings.securityProtocol.usesSASL {
            try ops.addHandler(ByteToMessageHandler(PreAuthenticationFrameDecoder(
                maxFrameSize: maxFrameSize, maxUnauthenticatedFrameSize: security.settings.saslMaxReceiveSize,
                authenticated: authenticated)))
        } else {
            try ops.addHandler(ByteToMessageHandler(KafkaFrameDecoder(maxFrameSize: maxFrameSize)))
        }
        try ops.addHandler(ConnectionHandler(frames: continuation, info: info, logger: logger))
        let dispatcher = self.dispatcher
        let logger = self.logger
        let connections = self.connections
        let security = self.security
        Task {
            var authenticator = ConnectionAuthenticator(session: security.makeSession(),
                                                        maxReauthMs: security.settings.maxReauthMs,
                                                        failures: security.failures)
            var first = true
            serving: for await frame in frames {
                if first, security.settings.securityProtocol == .ssl {
                    // Data arrives only after the handshake, so the peer certificate is known now.
                    first = false
                    if let cert = try? await channel.nioSSL_peerCertificate().get() {
                        guard let principal = security.principal(certificate: cert) else {
                            BrokerMetrics.authentication(mechanism: "TLS", success: false)
                            logger.warning("closing connection: no principal can be taken from the client certificate",
                                           metadata: ["connection": "\(info.id)", "client": "\(info.remoteAddress)"])
                            continuation.finish()
                            break serving
                        }
                        authenticator.setPrincipal(principal)
                        BrokerMetrics.authentication(mechanism: "TLS", success: true)
                        logger.info("authenticated", metadata: ["connection": "\(info.id)", "client": "\(info.remoteAddress)",
                                                                "principal": "\(principal)", "mechanism": "TLS"])
                    }
                }
                let outcome = await authenticator.handle(frame: frame, connection: info, dispatcher: dispatcher, logger: logger)
                if authenticator.principal != ConnectionAuthenticator.anonymous { authenticated.set() }
                switch outcome {
                case .respond(let bytes):
                    channel.writeAndFlush(bytes, promise: nil)
                case .noResponse:
                    break
                case .respondThenMute(let bytes, let milliseconds):
                    if let bytes { channel.writeAndFlush(bytes, promise: nil) }
                    await Self.mute(channel, milliseconds: milliseconds)
                case .respondAndClose(let bytes, let reason):
                    logger.warning("closing connection", metadata: [
                        "connection": "\(info.id)", "client": "\(info.remoteAddress)", "reason": "\(reason)",
                    ])
                    // Nothing queued behind a failed authentication is served.
                    let written = channel.eventLoop.makePromise(of: Void.self)
                    channel.writeAndFlush(bytes, promise: written)
                    try? await written.futureResult.get()
                    continuation.finish()
                    break serving
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

    /// Stops reading the socket for a quota's throttle time (Kafka mutes the channel):
    /// the client's next requests wait in its own buffers, not in the broker's memory.
    private static func mute(_ channel: any Channel, milliseconds: Int64) async {
        try? await channel.setOption(ChannelOptions.autoRead, value: false).get()
        try? await Task.sleep(for: .milliseconds(milliseconds))
        try? await channel.setOption(ChannelOptions.autoRead, value: true).get()
    }
}
