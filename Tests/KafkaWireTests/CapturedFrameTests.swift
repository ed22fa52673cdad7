import Foundation
import NIOCore
import Testing

@testable import KafkaWire

/// Request frames captured from kcat (librdkafka 2.0.2), confluent-kafka (librdkafka
/// 2.16) and kafka-python 3.0.12 decode to the values those clients were asked to send,
/// and re-encode to the same bytes.
@Suite struct CapturedFrameTests {
    @Test func everyCapturedFrameDecodesAndReencodesByteForByte() throws {
        let paths = try CapturedFrames.all()
        #expect(paths.count >= 30)
        for path in paths {
            let frame = try CapturedFrames.load(path)
            let request = try KafkaRequestFrame(frame: frame)
            #expect(path.hasSuffix("/\(request.apiKey.name)-v\(request.apiVersion).bin"))
            let message = try request.decodeAny()
            var out = ByteBuffer()
            try request.header.encode(into: &out, version: request.apiKey.requestHeaderVersion(apiVersion: request.apiVersion))
            try message.encode(into: &out, version: request.apiVersion)
            #expect(out == frame, "\(path) re-encodes differently")
        }
    }

    @Test func librdkafkaOpensWithFlexibleApiVersions() throws {
        let request = try KafkaRequestFrame(frame: CapturedFrames.load("kcat-metadata/ApiVersions-v3.bin"))
        #expect(request.header.clientId == "kcat-metadata")
        let body = try request.decode(as: ApiVersionsRequest.self)
        #expect(body.clientSoftwareName == "librdkafka")
        #expect(body.clientSoftwareVersion == "2.0.2")
    }

    @Test func kafkaPythonOpensWithApiVersionsV4() throws {
        let request = try KafkaRequestFrame(frame: CapturedFrames.load("kafka-python-capture/ApiVersions-v4.bin"))
        #expect(request.header.clientId == "kafka-python-capture")
        let body = try request.decode(as: ApiVersionsRequest.self)
        #expect(body.clientSoftwareName == "kafka-python")
        #expect(body.clientSoftwareVersion == "3.0.12")
    }

    @Test func confluentAdminCreatesTheTopicItWasAskedFor() throws {
        let request = try KafkaRequestFrame(frame: CapturedFrames.load("confluent-admin/CreateTopics-v4.bin"))
        let body = try request.decode(as: CreateTopicsRequest.self)
        #expect(body.topics.map(\.name) == ["created-by-confluent"])
        #expect(body.topics.first?.numPartitions == 3)
        #expect(body.topics.first?.replicationFactor == 1)
        #expect(body.validateOnly == false)
    }

    @Test func kcatProducesToTheTopicOfEachCodec() throws {
        for codec in ["none", "gzip", "snappy", "lz4", "zstd"] {
            let request = try KafkaRequestFrame(frame: CapturedFrames.load("kcat-produce-\(codec)/Produce-v7.bin"))
            let body = try request.decode(as: ProduceRequest.self)
            #expect(body.acks == -1)
            #expect(body.transactionalId == nil)
            #expect(body.topicData.map(\.name) == ["capture-\(codec)"])
            #expect(body.topicData.first?.partitionData.map(\.index) == [0])
            #expect((body.topicData.first?.partitionData.first?.records?.readableBytes ?? 0) > 61)
        }
    }

    @Test func flexibleProducesFromThePythonClients() throws {
        for client in ["confluent-capture", "kafka-python-capture"] {
            let request = try KafkaRequestFrame(frame: CapturedFrames.load("\(client)/Produce-v9.bin"))
            #expect(request.header.clientId == client)
            let body = try request.decode(as: ProduceRequest.self)
            #expect(body.topicData.map(\.name) == [client == "confluent-capture" ? "capture-confluent" : "capture-kafka-python"])
        }
    }

    @Test func metadataRequestsNameTheirTopicsOrOnlyAskForBrokers() throws {
        // librdkafka's first Metadata on a connection asks for brokers only: an empty
        // list, which is not the null that means "all topics".
        let kcat = try KafkaRequestFrame(frame: CapturedFrames.load("kcat-metadata/Metadata-v4.bin")).decode(as: MetadataRequest.self)
        #expect(kcat.topics == [])
        let produce = try KafkaRequestFrame(frame: CapturedFrames.load("kcat-produce-lz4/Metadata-v4.bin")).decode(as: MetadataRequest.self)
        #expect(produce.topics?.compactMap(\.name) == ["capture-lz4"])
    }
}

/// Frames from real clients that bend the schema, kept so the codec keeps serving them.
@Suite struct ClientQuirkTests {
    @Test func librdkafka216AllTopicsMetadataCarriesTrailingBytes() throws {
        let url = CapturedFrames.directory.deletingLastPathComponent()
            .appendingPathComponent("quirks/librdkafka-2.16-Metadata-v12-all-topics.bin")
        let frame = ByteBuffer(bytes: try Data(contentsOf: url))
        let request = try KafkaRequestFrame(frame: frame)
        #expect(request.apiKey == .metadata)
        #expect(request.apiVersion == 12)
        // Kafka's parser ignores what follows the body; so does ours.
        let body = try request.decode(as: MetadataRequest.self)
        #expect(body.topics == nil)
        #expect(body.allowAutoTopicCreation == false)
        var rest = request.body
        _ = try MetadataRequest(from: &rest, version: 12)
        #expect(Array(rest.readableBytesView) == [1, 0, 0])
    }
}
