/// The filters of `bulwark audit query` and `tail`. Every set filter must match.
///
/// - `principal`: exact; without a `:` it means `User:<name>` (`bob` is `User:bob`).
/// - `resource`: `type:pattern` (`topic:orders*`), or a bare name pattern matching any type;
///   `*` and `?` are wildcards.
/// - `since`/`until`: milliseconds; a summarised event matches if its first..last time
///   overlaps `[since, until)`.
public struct AuditQuery: Sendable, Hashable {
    public var since: Int64?
    public var until: Int64?
    public var principal: String? { didSet { prepare() } }
    public var resource: String? { didSet { prepare() } }
    public var access: String? { didSet { prepare() } }
    public var result: AuditResult?
    public var policy: String? { didSet { prepare() } }
    public var api: String? { didSet { prepare() } }
    public var clientNetwork: AuditCIDR?
    public var tenant: String? { didSet { prepare() } }
    public var kind: AuditEventKind?

    // Byte forms, so the scan compares without making Strings.
    private var principalBytes: [UInt8]?
    private var principalHash: UInt64 = 0
    private var resourceType: [UInt8]?
    private var resourcePattern: [UInt8]?
    private var resourceHash: UInt64?
    private var accessBytes: [UInt8]?
    private var policyBytes: [UInt8]?
    private var apiBytes: [UInt8]?
    private var tenantBytes: [UInt8]?

    public init() {}

    private mutating func prepare() {
        if let principal {
            let full = principal.contains(":") ? principal : "User:" + principal
            principalBytes = Array(full.utf8)
            principalHash = AuditBloom.hash(full)
        } else {
            principalBytes = nil
        }
        resourceType = nil
        resourcePattern = nil
        resourceHash = nil
        if let resource {
            if let colon = resource.firstIndex(of: ":") {
                resourceType = Array(resource[..<colon].utf8)
                let pattern = String(resource[resource.index(after: colon)...])
                resourcePattern = Array(pattern.utf8)
                if !AuditGlob.hasWildcard(pattern) { resourceHash = AuditBloom.hash(resource) }
            } else {
                resourcePattern = Array(resource.utf8)
            }
        }
        accessBytes = access.map { Array($0.utf8) }
        policyBytes = policy.map { Array($0.utf8) }
        apiBytes = api.map { Array($0.utf8) }
        tenantBytes = tenant.map { Array($0.utf8) }
    }

    /// Whether an index block may hold a match.
    func mayMatch(_ block: AuditSegmentIndex.Block) -> Bool {
        if block.resultMask == 0 { return false }  // checkpoints only
        if let since, block.maxTime < since { return false }
        if let until, block.minTime >= until { return false }
        if let result, block.resultMask & (1 << result.rawValue) == 0 { return false }
        if let kind, block.kindMask & (1 << (kind.rawValue & 7)) == 0 { return false }
        if principalBytes != nil, !block.principals.mayContain(principalHash) { return false }
        if let resourceHash, !block.resources.mayContain(resourceHash) { return false }
        return true
    }

    /// The byte-level check on the in-place fields (everything but the client network).
    func matches(_ r: AuditRawEvent) -> Bool {
        if let since, r.lastTime < since { return false }
        if let until, r.time >= until { return false }
        if let result, r.result != result.rawValue { return false }
        if let kind, r.kind != kind.rawValue { return false }
        if let principalBytes, !r.principal.equals(principalBytes) { return false }
        if let resourcePattern {
            if let resourceType, !r.resourceType.equals(resourceType) { return false }
            if !AuditGlob.matches(resourcePattern, r.resourceName) { return false }
        }
        if let accessBytes, !r.access.equals(accessBytes) { return false }
        if let policyBytes, !r.policyId.equals(policyBytes) { return false }
        if let apiBytes, !r.apiName.equals(apiBytes) { return false }
        if let tenantBytes, !r.tenant.equals(tenantBytes) { return false }
        return true
    }

    /// The reference semantics over a decoded event (tests compare the scan against it).
    public func matches(_ e: AuditEvent) -> Bool {
        if let since, e.lastTime < since { return false }
        if let until, e.time >= until { return false }
        if let result, e.result != result { return false }
        if let kind, e.kind != kind { return false }
        if let principal, e.principal != (principal.contains(":") ? principal : "User:" + principal) { return false }
        if let resource {
            if let colon = resource.firstIndex(of: ":") {
                if e.resourceType != String(resource[..<colon]) { return false }
                if !AuditGlob.matches(String(resource[resource.index(after: colon)...]), e.resourceName) { return false }
            } else if !AuditGlob.matches(resource, e.resourceName) {
                return false
            }
        }
        if let access, e.access != access { return false }
        if let policy, e.policyId != policy { return false }
        if let api, e.apiName != api { return false }
        if let tenant, e.tenant != tenant { return false }
        if let clientNetwork, !clientNetwork.contains(e.clientAddress) { return false }
        return true
    }
}
