import Foundation

/// One file handed to the engine: its name (for error messages and `Decision.policySource`)
/// and its bytes. The engine does no file I/O.
public struct PolicyFile: Sendable {
    public var name: String
    public var contents: Data

    public init(name: String, contents: Data) {
        self.name = name
        self.contents = contents
    }
}

/// An immutable, loaded set of policies: the service definition, the policies (Ranger
/// files plus the Kafka ACL set), security zones, principals, super users and the audit
/// mode. Build a new snapshot for every change and swap it in whole; `version` tells
/// decisions (and caches) which one they came from.
public struct PolicySnapshot: Sendable {
    /// Ranger's `auditMode`.
    public enum AuditMode: String, Sendable {
        case auditDefault = "audit-default"
        case auditAll = "audit-all"
        case auditNone = "audit-none"
    }

    struct Zone: Sendable {
        var name: String
        var resources: [Policy.Resources]
        var set: PolicySet
    }

    public let version: Int64
    public let serviceName: String
    public let serviceDef: ServiceDef
    public let directory: PrincipalDirectory
    public let auditMode: AuditMode
    /// Tag-based policies (`tagPolicies` of the policy sets), and the resources' tags.
    let tagPolicies: TagPolicies?
    let resourceTags: ResourceTags
    let unzoned: PolicySet
    let zones: [Zone]
    let matcher: ResourceMatcher

    /// Every policy, in file order (ACL-derived policies last).
    let allPolicies: [Policy]

    public var policyCount: Int { allPolicies.count }
    public var tagPolicyCount: Int { tagPolicies?.policies.count ?? 0 }
    public var taggedResourceCount: Int { resourceTags.tagged.count }
    public var zoneNames: [String] { zones.map(\.name) }

    /// Loads policy files (Ranger ServicePolicies form: `serviceName`, optional
    /// `serviceDef` — the built-in Kafka definition when absent —, `policies`, optional
    /// `securityZones`, `auditMode`, `tagPolicies`) and principals files (`userGroups`,
    /// `rangerRoles`, `superUsers`, `superGroups`), plus Kafka ACL bindings as a policy
    /// set of their own. Any error rejects the whole load.
    public static func load(files: [PolicyFile], kafkaAcls: [KafkaAclBinding] = [], superUsers: Set<String> = [],
                            superGroups: Set<String> = [], version: Int64) throws(PolicyLoadError) -> PolicySnapshot {
        var directory = PrincipalDirectory(superUsers: superUsers, superGroups: superGroups)
        var policyDocs: [JSONNode] = []
        var tagsFiles: [JSONNode] = []
        for file in files {
            let root = try JSONNode.parse(file.contents, file: file.name)
            _ = try root.object()
            if ResourceTags.isTagsFile(root) {
                tagsFiles.append(root)
            } else if root.has("policies") || root.has("serviceDef") || root.has("serviceName") {
                policyDocs.append(root)
            } else if PrincipalDirectory.fileKeys.contains(where: root.has) {
                try directory.add(root)
            } else {
                throw root.error("neither a policy set (needs \"policies\"), a principals file (\"userGroups\", \"rangerRoles\", \"superUsers\", \"superGroups\") nor a tags file (\"serviceResources\", \"resourceToTagIds\")")
            }
        }
        var def = ServiceDef.kafka
        var defSource: String?
        var serviceName = "kafka"
        for doc in policyDocs {
            if let node = doc["serviceDef"] {
                let parsed = try ServiceDef.parse(node)
                if let defSource, parsed.name != def.name {
                    throw node.error("service definition \(parsed.name) differs from \(def.name) in \(defSource); one snapshot has one service")
                }
                def = parsed
                defSource = doc.file
            }
            if let name = try doc.string("serviceName") { serviceName = name }
        }
        var auditMode = AuditMode.auditDefault
        var policies: [Policy] = []
        var zoneDefs: [(String, [Policy.Resources])] = []
        var seenIds: [Int64: String] = [:]
        var tagNodes: [JSONNode] = []
        for doc in policyDocs {
            let parser = PolicyParser(def: def, source: doc.file)
            if let mode = try doc.string("auditMode") {
                guard let parsed = AuditMode(rawValue: mode) else {
                    throw try doc.required("auditMode").error("auditMode must be audit-default, audit-all or audit-none")
                }
                auditMode = parsed
            }
            func add(_ node: JSONNode, zone: String?) throws(PolicyLoadError) {
                let policy = try parser.parse(node, zone: zone, order: policies.count)
                if let other = seenIds[policy.id] {
                    throw node.error("policy id \(policy.id) is also used in \(other); ids must be unique")
                }
                seenIds[policy.id] = node.file
                policies.append(policy)
            }
            for node in try doc.array("policies") { try add(node, zone: nil) }
            if let zonesNode = doc["securityZones"] {
                for name in try zonesNode.object().keys.sorted() {
                    let zone = try zonesNode.required(name)
                    var specs: [Policy.Resources] = []
                    for resource in try zone.array("resources") {
                        var spec: Policy.Resources = [:]
                        for key in try resource.object().keys.sorted() {
                            guard def.resource(named: key) != nil else { throw resource.error("unknown resource \"\(key)\" in zone \(name)") }
                            let values = try resource.required(key).stringArray()
                            let fold = !def.isKafka && (def.resource(named: key)?.ignoreCase ?? false)
                            spec[key] = .init(patterns: values.map { ResourcePattern(fold ? $0.lowercased() : $0) }, isExcludes: false, isRecursive: false)
                        }
                        specs.append(spec)
                    }
                    zoneDefs.append((name, specs))
                    for node in try zone.array("policies") { try add(node, zone: name) }
                }
            }
            if let tags = doc["tagPolicies"] { tagNodes.append(tags) }
        }
        let tagPolicies = try TagPolicies.load(tagNodes, service: def, seenIds: &seenIds)
        var resourceTags = ResourceTags()
        for root in tagsFiles { try resourceTags.add(root, def: def) }
        let zoneNames = Set(zoneDefs.map(\.0))
        for policy in policies where policy.zone != nil && !zoneNames.contains(policy.zone!) {
            throw PolicyLoadError(file: policy.source, path: "policies[id=\(policy.id)].zoneName",
                                  message: "security zone \"\(policy.zone!)\" is not defined in securityZones")
        }
        var aclPolicies: [Policy] = []
        // ACL-derived policies have their own id space (binding index + 1), told apart by
        // `policySource == "kafka-acls"`.
        for (i, binding) in kafkaAcls.enumerated() {
            if !def.isKafka { throw PolicyLoadError(file: KafkaAclBinding.source, path: "$", message: "Kafka ACLs need the kafka service definition") }
            aclPolicies.append(try binding.policy(id: Int64(i) + 1))
        }
        let matcher = ResourceMatcher(def: def)
        let unzoned = PolicySet(policies.filter { $0.zone == nil } + aclPolicies, def: def)
        let zones = zoneDefs.map { name, specs in
            Zone(name: name, resources: specs, set: PolicySet(policies.filter { $0.zone == name } + aclPolicies, def: def))
        }
        return PolicySnapshot(version: version, serviceName: serviceName, serviceDef: def, directory: directory,
                              auditMode: auditMode, tagPolicies: tagPolicies, resourceTags: resourceTags, unzoned: unzoned, zones: zones,
                              matcher: matcher, allPolicies: policies + aclPolicies)
    }

    /// The policy set that governs a request: its security zone's, else the unzoned one.
    func policySet(for request: AccessRequest) -> (set: PolicySet, zone: String?) {
        for zone in zones where matcher.inZone(zone.resources, request) { return (zone.set, zone.name) }
        return (unzoned, nil)
    }
}
