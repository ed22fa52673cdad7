import KafkaWire

/// ApiVersions: what this broker serves, taken from the handler registry.
struct ApiVersionsHandler: ApiHandler {
    let advertised: [ApiVersionsResponse.ApiVersion]

    func handle(_ request: ApiVersionsRequest, context: RequestContext) async -> ApiVersionsResponse? {
        // v3+ names the client software; Kafka refuses names outside its pattern, and
        // librdkafka answers that by retrying with v0.
        if context.apiVersion >= 3,
           !Self.isValidSoftwareField(request.clientSoftwareName) || !Self.isValidSoftwareField(request.clientSoftwareVersion) {
            return ApiVersionsResponse(errorCode: KafkaErrorCode.invalidRequest.rawValue, apiKeys: advertised)
        }
        return ApiVersionsResponse(apiKeys: advertised)
    }

    /// `[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?`
    static func isValidSoftwareField(_ s: String) -> Bool {
        let chars = Array(s.utf8)
        guard let first = chars.first, let last = chars.last else { return false }
        func alnum(_ c: UInt8) -> Bool { (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) }
        return alnum(first) && alnum(last) && chars.allSatisfy { alnum($0) || $0 == 45 || $0 == 46 }
    }
}
