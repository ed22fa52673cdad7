import Foundation

/// Ranger's tag-based policies: policies on tags (`PII`, `EXPIRES_ON`, …) of the tag
/// service, applied to every resource that carries the tag.
///
/// Tags reach a request two ways: from a tags file in the policy directory (Ranger's
/// ServiceTags export: `tags`, `serviceResources`, `resourceToTagIds`), and — as in
/// Ranger's own test cases — from the request context's `TAGS` entry, a JSON array of
/// `{"type": …}`. The tag service's access types are the resource service's prefixed
/// with its name (`kafka:consume`), as Ranger's tag service definition has them.
struct TagPolicies: Sendable {
    let def: ServiceDef
    let matcher: ResourceMatcher
    let policySet: PolicySet
    let serviceName: String

    /// The tag service definition Ranger derives from a resource service's: one `tag`
    /// resource and `<service>:<access>` for each access type, implied grants alike.
    static func derivedDef(from service: ServiceDef) -> ServiceDef {
        let prefix = service.name + ":"
        return ServiceDef(
            name: "tag",
            resources: [ServiceDef.ResourceDef(name: "tag", level: 1, parent: nil, ignoreCase: false, wildcard: true,
                                               recursiveSupported: false, excludesSupported: false, pathSeparator: "/")],
            accessTypes: service.accessTypes.map { .init(name: prefix + $0.name, impliedGrants: $0.impliedGrants.map { prefix + $0 }) },
            policyConditions: service.policyConditions)
    }

    /// Loads the `tagPolicies` member of policy sets; their ids share the snapshot's id space.
    static func load(_ nodes: [JSONNode], service: ServiceDef, seenIds: inout [Int64: String]) throws(PolicyLoadError) -> TagPolicies? {
        guard !nodes.isEmpty else { return nil }
        var def = derivedDef(from: service)
        var policies: [Policy] = []
        for node in nodes {
            if let defNode = node["serviceDef"] { def = try ServiceDef.parse(defNode) }
            guard def.resource(named: "tag") != nil else {
                throw node.error("a tag service definition needs the resource \"tag\"")
            }
            let parser = PolicyParser(def: def, source: node.file)
            for policyNode in try node.array("policies") {
                let policy = try parser.parse(policyNode, zone: nil, order: policies.count)
                if let other = seenIds[policy.id] {
                    throw policyNode.error("policy id \(policy.id) is also used in \(other); ids must be unique")
                }
                guard policy.type == .access else {
                    throw policyNode.error("tag-based row filters and data masks are not supported")
                }
                seenIds[policy.id] = policyNode.file
                policies.append(policy)
            }
        }
        return TagPolicies(def: def, matcher: ResourceMatcher(def: def), policySet: PolicySet(policies, def: def),
                           serviceName: service.name)
    }

    var policies: [Policy] { policySet.policies }

    /// The tag service's name for an access type of the resource service.
    func accessType(_ access: String) -> String { serviceName + ":" + access }
}

/// The tags attached to resources, from a ServiceTags file:
///
/// ```json
/// { "tags": { "1": { "type": "PII" } },
///   "serviceResources": [ { "id": 7, "resourceElements": { "topic": { "values": ["orders"] } } } ],
///   "resourceToTagIds": { "7": [1] } }
/// ```
struct ResourceTags: Sendable {
    struct Tagged: Sendable {
        var resource: Policy.Resources
        var tags: [String]
    }

    var tagged: [Tagged] = []

    /// The members of a ServiceTags file.
    static let fileKeys = ["serviceResources", "resourceToTagIds", "tags"]

    static func isTagsFile(_ root: JSONNode) -> Bool {
        root.has("serviceResources") || root.has("resourceToTagIds")
    }

    mutating func add(_ root: JSONNode, def: ServiceDef) throws(PolicyLoadError) {
        var types: [String: String] = [:]
        if let tags = root["tags"] {
            for id in try tags.object().keys.sorted() { types[id] = try tags.required(id).required("type").string() }
        }
        let parser = PolicyParser(def: def, source: root.file)
        var resources: [String: Policy.Resources] = [:]
        for node in try root.array("serviceResources") {
            resources["\(try node.required("id").int())"] = try parser.parseResources(try node.required("resourceElements"))
        }
        if let links = root["resourceToTagIds"] {
            for id in try links.object().keys.sorted() {
                guard let resource = resources[id] else { throw links.error("resource id \(id) is not in serviceResources") }
                var names: [String] = []
                for tagId in try links.required(id).array() {
                    let key = "\(try tagId.int())"
                    guard let type = types[key] else { throw tagId.error("tag id \(key) is not in tags") }
                    names.append(type)
                }
                tagged.append(Tagged(resource: resource, tags: names))
            }
        }
    }

    /// The tags of the request's resource: the context's `TAGS` plus every tagged resource
    /// it matches. Malformed `TAGS` throws, so the caller can deny (fail closed).
    func tags(for request: AccessRequest, matcher: ResourceMatcher, user: String) throws(PolicyLoadError) -> [String] {
        var out: [String] = []
        if let text = request.context["TAGS"] {
            for tag in try JSONNode.parse(Data(text.utf8), file: "context.TAGS").array() {
                out.append(try tag.required("type").string())
            }
        }
        for entry in tagged where matcher.matches(entry.resource, request, user: user) { out += entry.tags }
        var seen: Set<String> = []
        return out.filter { seen.insert($0).inserted }
    }
}
