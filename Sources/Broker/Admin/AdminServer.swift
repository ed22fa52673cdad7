import BrokerSecurity
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The admin HTTP listener (`bulwark.admin.listener`): `GET /metrics` (Prometheus text),
/// `GET /health/live`, `GET /health/ready`, and the policy routes of `bulwark policy
/// apply` (`/v1/policies`, see `PolicyAdmin`, which authenticate broker users
/// themselves). Small on purpose: bodies only for the policy routes, bounded.
///
/// /metrics needs the configured credential when one is set; the health routes answer
/// anyone who can reach the listener, as orchestrators' probes carry no credentials and
/// say nothing a port scan would not.
public final class AdminServer: Sendable {
    public let settings: OperationsSettings.AdminSettings
    private let readiness: Readiness
    private let scrape: @Sendable () async -> [UInt8]
    /// The policy routes' handler once the broker is up (nil before, or without policies).
    private let policies: @Sendable () -> PolicyAdmin?
    /// A policy file larger than this is refused (413) before it is buffered whole.
    static let maxBodyBytes = 16 << 20
    private let credentials: AdminCredentials
    private let tls: NIOSSLContext?
    private let logger: Logger

    public init(settings: OperationsSettings.AdminSettings, readiness: Readiness, logger: Logger,
                policies: @escaping @Sendable () -> PolicyAdmin? = { nil },
                scrape: @escaping @Sendable () async -> [UInt8]) throws {
        self.settings = settings
        self.policies = policies
        self.readiness = readiness
        self.scrape = scrape
        self.logger = logger
        credentials = try AdminCredentials(settings: settings)
        tls = try settings.tls?.makeContext()
    }

    /// Binds the listener; the returned channel closes it.
    public func bind(group: any EventLoopGroup) async throws -> any Channel {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let ops = channel.pipeline.syncOperations
                    if let tls = self.tls { try ops.addHandler(NIOSSLServerHandler(context: tls)) }
                    try ops.configureHTTPServerPipeline(withErrorHandling: true)
                    try ops.addHandler(AdminHTTPHandler(server: self))
                }
            }
            .bind(host: settings.host, port: settings.port)
            .get()
    }

    struct Reply: Sendable {
        var status: HTTPResponseStatus
        var contentType = "text/plain; charset=utf-8"
        var body: [UInt8]
        var headers: [(String, String)] = []
    }

    func respond(method: HTTPMethod, path: String, authorization: String?, body: [UInt8] = [], client: String = "") async -> Reply {
        let route = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
        if route == PolicyAdmin.prefix || route.hasPrefix(PolicyAdmin.prefix + "/") {
            guard let policies = policies() else {
                return Reply(status: .serviceUnavailable, body: Array("no policy store (bulwark.policy.dir), or the broker is starting\n".utf8))
            }
            return policies.respond(method: method.rawValue, route: route, authorization: authorization, body: body, client: client)
        }
        guard method == .GET || method == .HEAD else { return Reply(status: .methodNotAllowed, body: Array("GET only\n".utf8)) }
        switch route {
        case "/health/live":
            return Reply(status: .ok, body: Array("live\n".utf8))
        case "/health/ready":
            let missing = readiness.missing
            if missing.isEmpty { return Reply(status: .ok, body: Array("ready\n".utf8)) }
            return Reply(status: .serviceUnavailable, body: Array("not ready: \(missing.joined(separator: ","))\n".utf8))
        case "/metrics":
            guard credentials.accepts(authorization) else {
                return Reply(status: .unauthorized, body: Array("authentication required\n".utf8),
                             headers: [("WWW-Authenticate", "Basic realm=\"bulwark\"")])
            }
            return Reply(status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: await scrape())
        default:
            return Reply(status: .notFound, body: Array("not found\n".utf8))
        }
    }
}

/// The admin listener's credentials, read once at start. Compared in constant time; a
/// wrong or missing credential gets the same 401 whichever part was wrong.
struct AdminCredentials: Sendable {
    private let token: [UInt8]?
    private let basic: [UInt8]?

    init(settings: OperationsSettings.AdminSettings) throws {
        token = try settings.tokenFile.map { try Self.secret(path: $0) }
        if let user = settings.user, let file = settings.passwordFile {
            let password = try Self.secret(path: file)
            basic = Array("Basic ".utf8) + Array(Data(Array(user.utf8) + [UInt8(ascii: ":")] + password).base64EncodedString().utf8)
        } else {
            basic = nil
        }
    }

    private static func secret(path: String) throws -> [UInt8] {
        guard var bytes = FileManager.default.contents(atPath: path).map(Array.init) else {
            throw AdminError("cannot read \(path)")
        }
        while let last = bytes.last, last == 0x0A || last == 0x0D || last == 0x20 { bytes.removeLast() }
        guard !bytes.isEmpty else { throw AdminError("\(path) is empty") }
        return bytes
    }

    func accepts(_ header: String?) -> Bool {
        if token == nil && basic == nil { return true }
        let presented = Array((header ?? "").utf8)
        var ok = false
        if let token { ok = ConstantTime.equal(presented, Array("Bearer ".utf8) + token) || ok }
        if let basic { ok = ConstantTime.equal(presented, basic) || ok }
        return ok
    }
}

struct AdminError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One HTTP/1.1 exchange at a time on a connection; a body is kept up to
/// `AdminServer.maxBodyBytes` (beyond that the request is answered 413 unread).
final class AdminHTTPHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let server: AdminServer
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var tooLarge = false

    init(server: AdminServer) {
        self.server = server
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body = []
            tooLarge = false
        case .body(let part):
            guard !tooLarge else { return }
            if body.count + part.readableBytes > AdminServer.maxBodyBytes {
                tooLarge = true
                body = []
            } else {
                body += part.readableBytesView
            }
        case .end:
            guard let head else { return }
            self.head = nil
            let server = self.server
            let authorization = head.headers.first(name: "Authorization")
            let (received, oversized) = (body, tooLarge)
            body = []
            let client = context.channel.remoteAddress?.ipAddress ?? ""
            let replied = context.eventLoop.makePromise(of: AdminServer.Reply.self)
            replied.completeWithTask {
                if oversized { return AdminServer.Reply(status: .payloadTooLarge, body: Array("request body too large\n".utf8)) }
                return await server.respond(method: head.method, path: head.uri, authorization: authorization,
                                            body: received, client: client)
            }
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            replied.futureResult.whenSuccess { reply in
                let (handler, context) = bound.value
                handler.write(reply, for: head, context: context)
            }
        }
    }

    private func write(_ reply: AdminServer.Reply, for head: HTTPRequestHead, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: reply.contentType)
        headers.add(name: "Content-Length", value: "\(reply.body.count)")
        headers.add(name: "Cache-Control", value: "no-store")
        for (name, value) in reply.headers { headers.add(name: name, value: value) }
        let keepAlive = head.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: reply.status, headers: headers))), promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: reply.body)))), promise: nil)
        }
        let done = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: done)
        if !keepAlive {
            let channel = context.channel
            done.futureResult.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
