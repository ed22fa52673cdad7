extension KafkaApiKey {
    /// Whether `version` of this API uses the flexible encoding.
    public func isFlexible(version: Int16) -> Bool {
        guard let first = firstFlexibleVersion else { return false }
        return version >= first
    }

    /// Request header v2 for flexible versions, v1 otherwise.
    public func requestHeaderVersion(apiVersion: Int16) -> Int16 {
        isFlexible(version: apiVersion) ? 2 : 1
    }

    /// Response header v1 for flexible versions, v0 otherwise — except ApiVersions,
    /// whose response always uses v0 so a client can read it before it knows our versions.
    public func responseHeaderVersion(apiVersion: Int16) -> Int16 {
        self == .apiVersions ? 0 : (isFlexible(version: apiVersion) ? 1 : 0)
    }
}
