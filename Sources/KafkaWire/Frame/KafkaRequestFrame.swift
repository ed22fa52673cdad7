import NIOCore

/// A request frame split into its header and the body bytes that follow it.
public struct KafkaRequestFrame: Sendable {
    public var header: RequestHeader
    public var body: ByteBuffer

    public var apiKey: KafkaApiKey { KafkaApiKey(rawValue: header.requestApiKey) }
    public var apiVersion: Int16 { header.requestApiVersion }
    public var correlationId: Int32 { header.correlationId }

    /// Parses the header of a frame (without its size prefix). The header version follows
    /// from the API key and version, which every header version begins with.
    public init(frame: ByteBuffer) throws(KafkaWireError) {
        var buffer = frame
        guard let key = buffer.getInteger(at: buffer.readerIndex, endianness: .big, as: Int16.self),
              let version = buffer.getInteger(at: buffer.readerIndex + 2, endianness: .big, as: Int16.self)
        else { throw .truncated("request header") }
        var headerVersion = KafkaApiKey(rawValue: key).requestHeaderVersion(apiVersion: version)
        // An ApiVersions request newer than we know is answered without reading its body
        // (Kafka's rule), so only the fields every header version shares are needed.
        if key == KafkaApiKey.apiVersions.rawValue, version > ApiVersionsRequest.versions.upperBound {
            headerVersion = 1
        }
        self.header = try RequestHeader(from: &buffer, version: headerVersion)
        self.body = buffer
    }

    /// Decodes the body as `M`. Bytes after the body are ignored, as Kafka's parser does:
    /// librdkafka 2.16 sends three extra bytes after an all-topics Metadata v12 request,
    /// and Kafka serves it.
    public func decode<M: KafkaApiMessage>(as type: M.Type = M.self) throws(KafkaWireError) -> M {
        guard M.apiKey == apiKey else {
            throw KafkaWireError(.malformed, "frame is \(apiKey), not \(M.apiKey)")
        }
        var buffer = body
        return try M(from: &buffer, version: apiVersion)
    }

    /// Decodes the body with whichever generated type its API key names.
    public func decodeAny() throws(KafkaWireError) -> any KafkaApiMessage {
        guard let type = apiKey.requestType else {
            throw KafkaWireError(.unsupportedVersion, "no codec for \(apiKey)")
        }
        return try decode(as: type)
    }
}

extension KafkaApiMessage {
    /// Encodes this message as a whole request frame: size, header, body.
    public func encodeRequestFrame(
        version: Int16,
        correlationId: Int32,
        clientId: String?,
        into buffer: inout ByteBuffer
    ) throws(KafkaWireError) {
        let header = RequestHeader(
            requestApiKey: Self.apiKey.rawValue,
            requestApiVersion: version,
            correlationId: correlationId,
            clientId: clientId
        )
        try KafkaFrame.write(into: &buffer) { (b: inout ByteBuffer) throws(KafkaWireError) in
            try header.encode(into: &b, version: Self.apiKey.requestHeaderVersion(apiVersion: version))
            try self.encode(into: &b, version: version)
        }
    }

    /// Encodes this message as a whole response frame: size, header, body.
    public func encodeResponseFrame(
        version: Int16,
        correlationId: Int32,
        into buffer: inout ByteBuffer
    ) throws(KafkaWireError) {
        try KafkaFrame.write(into: &buffer) { (b: inout ByteBuffer) throws(KafkaWireError) in
            try ResponseHeader(correlationId: correlationId)
                .encode(into: &b, version: Self.apiKey.responseHeaderVersion(apiVersion: version))
            try self.encode(into: &b, version: version)
        }
    }
}
