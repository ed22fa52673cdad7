import Foundation
import KafkaWire
import NIOCore
import NIOPosix

// wire-capture: a tiny Kafka listener that records the request frames real clients
// send, decodes each with KafkaWire, and answers just enough for the client to go on.
// Usage: wire-capture PORT OUTPUT_DIR
// Writes OUTPUT_DIR/<client>/<Api>-v<version>.bin (first frame of each kind) and
// OUTPUT_DIR/decoded.log: one line per request, "ok" or the decode error.

let args = CommandLine.arguments
guard args.count == 3, let port = Int(args[1]) else {
    FileHandle.standardError.write(Data("usage: wire-capture PORT OUTPUT_DIR\n".utf8))
    exit(2)
}
let store = CaptureStore(directory: URL(fileURLWithPath: args[2]))
let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
let bootstrap = ServerBootstrap(group: group)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(KafkaFrameDecoder(maxFrameSize: 16 << 20)))
            try channel.pipeline.syncOperations.addHandler(CaptureHandler(store: store, port: Int32(port)))
        }
    }
let server = try bootstrap.bind(host: "127.0.0.1", port: port).wait()
print("wire-capture listening on 127.0.0.1:\(port)")
try server.closeFuture.wait()
