import NIOCore
import Testing

@testable import KafkaWire

/// Implemented by the generated samples (Tests/KafkaWireTests/Generated/Samples.swift):
/// a value whose every field present at `version` differs from its default.
protocol SampledMessage: KafkaWireMessage {
    static func sample(version: Int16) -> Self
}

@Suite struct GeneratedRoundTripTests {
    @Test func everyMessageAndVersionRoundTrips() throws {
        #expect(generatedMessageTypes.count == 72)
        var checked = 0
        for type in generatedMessageTypes {
            checked += try roundTrip(type)
        }
        #expect(checked > 300)
    }

    /// Encodes the sample, decodes it back, and checks value equality, full consumption,
    /// identical re-encoding and that every strict prefix is rejected without a trap.
    private func roundTrip<M: SampledMessage>(_ type: M.Type) throws -> Int {
        for version in M.versions {
            let sample = M.sample(version: version)
            var buffer = ByteBuffer()
            try sample.encode(into: &buffer, version: version)
            let encoded = buffer
            let decoded = try M(from: &buffer, version: version)
            #expect(buffer.readableBytes == 0, "\(M.self) v\(version) left bytes")
            #expect(decoded == sample, "\(M.self) v\(version) differs after a round trip")
            var again = ByteBuffer()
            try decoded.encode(into: &again, version: version)
            #expect(again == encoded, "\(M.self) v\(version) re-encodes differently")

            for length in stride(from: 0, to: encoded.readableBytes, by: max(1, encoded.readableBytes / 64)) {
                var prefix = encoded.getSlice(at: encoded.readerIndex, length: length)!
                #expect(throws: KafkaWireError.self, "\(M.self) v\(version) accepted a \(length)-byte prefix") {
                    _ = try M(from: &prefix, version: version)
                }
            }
        }
        return M.versions.count
    }

    @Test func versionsOutsideTheCodecAreRejected() {
        var buffer = ByteBuffer()
        #expect(throws: KafkaWireError(.unsupportedVersion, "ProduceRequest version 2")) {
            try ProduceRequest().encode(into: &buffer, version: 2)
        }
        #expect(throws: KafkaWireError(.unsupportedVersion, "FetchRequest version 13")) {
            _ = try FetchRequest(from: &buffer, version: 13)
        }
    }

    @Test func nullIsRefusedWhereTheVersionDoesNotAllowIt() throws {
        // MetadataRequest.Topics became nullable in v1; v0 has no null.
        var buffer = ByteBuffer()
        #expect(throws: KafkaWireError(.unencodableField, "null Topics at version 0")) {
            try MetadataRequest(topics: nil).encode(into: &buffer, version: 0)
        }
        buffer.clear()
        try MetadataRequest(topics: nil).encode(into: &buffer, version: 1)
        #expect(Array(buffer.readableBytesView) == [0xFF, 0xFF, 0xFF, 0xFF])
        buffer = ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(throws: KafkaWireError(.malformed, "null Topics at version 0")) {
            _ = try MetadataRequest(from: &buffer, version: 0)
        }
    }

    @Test func aNonIgnorableFieldIsNeverDroppedSilently() throws {
        // FetchResponse.SessionId (v7+) is not ignorable: a non-default value cannot go to v6.
        var buffer = ByteBuffer()
        #expect(throws: KafkaWireError(.unencodableField, "SessionId is not in version 6")) {
            try FetchResponse(sessionId: 5).encode(into: &buffer, version: 6)
        }
        // ThrottleTimeMs is ignorable, so it is simply not written at a version without it.
        buffer.clear()
        try FetchResponse(throttleTimeMs: 9, sessionId: 0).encode(into: &buffer, version: 6)
        #expect(buffer.readableBytes == 4 + 4)
    }

    @Test func unknownTaggedFieldsSurviveARoundTrip() throws {
        let unknown = [TaggedField(tag: 7, data: [1, 2, 3])]
        let request = ApiVersionsRequest(clientSoftwareName: "x", clientSoftwareVersion: "1", unknownTaggedFields: unknown)
        var buffer = ByteBuffer()
        try request.encode(into: &buffer, version: 3)
        #expect(Array(buffer.readableBytesView) == [2, 0x78, 2, 0x31, 1, 7, 3, 1, 2, 3])
        let decoded = try ApiVersionsRequest(from: &buffer, version: 3)
        #expect(decoded.unknownTaggedFields == unknown)
        #expect(decoded == request)
    }

    @Test func knownTaggedFieldsAreWrittenOnlyWhenNotDefault() throws {
        var response = FetchResponse.PartitionData(partitionIndex: 1)
        var buffer = ByteBuffer()
        try response.encode(into: &buffer, version: 12)
        let plain = buffer.readableBytes
        response.divergingEpoch = .init(epoch: 3, endOffset: 10)
        buffer.clear()
        try response.encode(into: &buffer, version: 12)
        // tag 0, size 1+4+8+1(tagged count of the struct), then the struct.
        #expect(buffer.readableBytes == plain + 1 + 1 + 13)
        #expect(try FetchResponse.PartitionData(from: &buffer, version: 12) == response)
    }
}
