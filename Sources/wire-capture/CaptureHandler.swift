import KafkaWire
import NIOCore

/// Records every request frame and answers the few APIs a client needs to get as far
/// as producing and fetching: a one-broker, one-partition-per-topic cluster with no data.
final class CaptureHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let store: CaptureStore
    private let port: Int32

    init(store: CaptureStore, port: Int32) {
        self.store = store
        self.port = port
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        let request: KafkaRequestFrame
        do {
            request = try KafkaRequestFrame(frame: frame)
        } catch {
            store.record(client: "unknown", api: "Unparsable", version: 0, frame: frame, outcome: "error: \(error)")
            context.close(promise: nil)
            return
        }
        let client = request.header.clientId ?? "null"
        let version = request.apiVersion
        // An ApiVersions request above our range is answered, not decoded (Kafka's rule).
        if request.apiKey == .apiVersions, version > ApiVersionsRequest.versions.upperBound {
            store.record(client: client, api: request.apiKey.name, version: version, frame: frame, outcome: "ok (version probe)")
            send(ApiVersionsResponse(errorCode: KafkaErrorCode.unsupportedVersion.rawValue, apiKeys: advertised()),
                 version: 0, to: request, context: context)
            return
        }
        let message: any KafkaApiMessage
        do {
            message = try request.decodeAny()
            store.record(client: client, api: request.apiKey.name, version: version, frame: frame, outcome: "ok")
        } catch {
            store.record(client: client, api: request.apiKey.name, version: version, frame: frame, outcome: "error: \(error)")
            context.close(promise: nil)
            return
        }
        respond(to: message, request: request, context: context)
    }

    private func advertised() -> [ApiVersionsResponse.ApiVersion] {
        KafkaApiKey.implemented.compactMap { key in
            key.codecVersions.map { .init(apiKey: key.rawValue, minVersion: $0.lowerBound, maxVersion: $0.upperBound) }
        }
    }

    private func respond(to message: any KafkaApiMessage, request: KafkaRequestFrame, context: ChannelHandlerContext) {
        let v = request.apiVersion
        switch message {
        case is ApiVersionsRequest:
            send(ApiVersionsResponse(apiKeys: advertised()), version: v, to: request, context: context)
        case let m as MetadataRequest:
            let names = m.topics?.compactMap(\.name) ?? ["capture"]
            let topics = names.map { name in
                MetadataResponse.MetadataResponseTopic(name: name, partitions: [
                    .init(partitionIndex: 0, leaderId: 0, replicaNodes: [0], isrNodes: [0]),
                ])
            }
            let broker = MetadataResponse.MetadataResponseBroker(nodeId: 0, host: "127.0.0.1", port: port)
            send(MetadataResponse(brokers: [broker], clusterId: "capture", controllerId: 0, topics: topics),
                 version: v, to: request, context: context)
        case let m as ProduceRequest:
            guard m.acks != 0 else { return }
            let responses = m.topicData.map { t in
                ProduceResponse.TopicProduceResponse(name: t.name, partitionResponses: t.partitionData.map {
                    .init(index: $0.index, baseOffset: 0)
                })
            }
            send(ProduceResponse(responses: responses), version: v, to: request, context: context)
        case is InitProducerIdRequest:
            send(InitProducerIdResponse(producerId: 1000, producerEpoch: 0), version: v, to: request, context: context)
        case let m as FindCoordinatorRequest:
            let keys = m.coordinatorKeys.isEmpty ? [m.key] : m.coordinatorKeys
            send(FindCoordinatorResponse(nodeId: 0, host: "127.0.0.1", port: port, coordinators: keys.map {
                .init(key: $0, nodeId: 0, host: "127.0.0.1", port: port)
            }), version: v, to: request, context: context)
        case let m as ListOffsetsRequest:
            send(ListOffsetsResponse(topics: m.topics.map { t in
                .init(name: t.name, partitions: t.partitions.map { .init(partitionIndex: $0.partitionIndex, offset: 0) })
            }), version: v, to: request, context: context)
        case let m as FetchRequest:
            let response = FetchResponse(responses: m.topics.map { t in
                .init(topic: t.topic, partitions: t.partitions.map { .init(partitionIndex: $0.partition, records: ByteBuffer()) })
            })
            // Honour max_wait_ms (bounded) so an idle consumer does not spin.
            let delay = TimeAmount.milliseconds(Int64(min(max(m.maxWaitMs, 0), 500)))
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: delay) {
                self.send(response, version: v, to: request, context: bound.value)
            }
        case let m as CreateTopicsRequest:
            send(CreateTopicsResponse(topics: m.topics.map {
                .init(name: $0.name, numPartitions: 1, replicationFactor: 1)
            }), version: v, to: request, context: context)
        default:
            // Recorded already; a capture needs no answer to anything else.
            break
        }
    }

    private func send<M: KafkaApiMessage>(_ response: M, version: Int16, to request: KafkaRequestFrame, context: ChannelHandlerContext) {
        var out = context.channel.allocator.buffer(capacity: 256)
        do {
            try response.encodeResponseFrame(version: version, correlationId: request.correlationId, into: &out)
            context.writeAndFlush(wrapOutboundOut(out), promise: nil)
        } catch {
            store.record(client: "capture", api: "\(M.self)", version: version, frame: ByteBuffer(), outcome: "error: \(error)")
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
