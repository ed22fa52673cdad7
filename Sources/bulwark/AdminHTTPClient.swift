import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// One request to the broker's admin listener (`http://` or `https://`), for the CLI
/// commands that change a running broker. TLS verifies the listener's certificate against
/// the system roots or `caFile`.
struct AdminHTTPClient {
    struct Response {
        var status: Int
        var body: String
    }

    let url: URL
    let caFile: String?

    func send(method: HTTPMethod, path: String, authorization: String, body: [UInt8] = []) async throws -> Response {
        guard let scheme = url.scheme, scheme == "http" || scheme == "https", let host = url.host else {
            throw PolicyCLIError("error: --admin-url must be http://HOST:PORT or https://HOST:PORT")
        }
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        var tls: NIOSSLContext?
        if scheme == "https" {
            var configuration = TLSConfiguration.makeClientConfiguration()
            if let caFile { configuration.trustRoots = .file(caFile) }
            tls = try NIOSSLContext(configuration: configuration)
        }
        let collector = ResponseCollector()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let ops = channel.pipeline.syncOperations
                    if let tls { try ops.addHandler(NIOSSLClientHandler(context: tls, serverHostname: host)) }
                    try ops.addHTTPClientHandlers()
                    try ops.addHandler(collector)
                }
            }
            .connect(host: host, port: port).get()
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: "\(host):\(port)")
        headers.add(name: "Authorization", value: authorization)
        headers.add(name: "Content-Length", value: "\(body.count)")
        headers.add(name: "Connection", value: "close")
        channel.write(HTTPClientRequestPart.head(HTTPRequestHead(version: .http1_1, method: method, uri: path, headers: headers)),
                      promise: nil)
        if !body.isEmpty { channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil) }
        try await channel.writeAndFlush(HTTPClientRequestPart.end(nil)).get()
        let response = try await collector.response.futureResult.get()
        try? await channel.close().get()
        return response
    }
}

/// Gathers one response; fails on a connection that closes before the end.
private final class ResponseCollector: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    private var status = 0
    private var body: [UInt8] = []
    private var promise: EventLoopPromise<AdminHTTPClient.Response>?

    var response: EventLoopPromise<AdminHTTPClient.Response> { promise! }

    func handlerAdded(context: ChannelHandlerContext) {
        promise = context.eventLoop.makePromise()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): status = Int(head.status.code)
        case .body(let part): body += part.readableBytesView
        case .end: promise?.succeed(.init(status: status, body: String(decoding: body, as: UTF8.self)))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise?.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise?.fail(PolicyCLIError("error: the admin listener closed the connection without an answer"))
    }
}
