import Foundation

/// A Ranger service definition: the resource hierarchy, the access types with their
/// implied grants, the policy conditions it allows, and the data-mask types.
public struct ServiceDef: Sendable {
    public struct ResourceDef: Sendable {
        public var name: String
        public var level: Int
        /// The resource above this one (`"database"` for `"table"`), or nil at the top.
        public var parent: String?
        public var ignoreCase: Bool
        public var wildcard: Bool
        public var recursiveSupported: Bool
        public var excludesSupported: Bool
        public var pathSeparator: Character
    }

    public struct AccessTypeDef: Sendable {
        public var name: String
        public var impliedGrants: [String]
    }

    public struct ConditionDef: Sendable {
        public var name: String
        public var evaluator: String
    }

    public var name: String
    public var resources: [ResourceDef]
    public var accessTypes: [AccessTypeDef]
    public var policyConditions: [ConditionDef]
    /// Data-mask type names (`MASK`, `MASK_HASH`, `CUSTOM`, …).
    public var maskTypes: [String]
    /// Access types allowed in row-filter and data-mask items (Ranger: `select`).
    public var rowFilterAccessTypes: [String]
    public var dataMaskAccessTypes: [String]

    /// Every access type each access type grants, itself included (transitive closure of
    /// `impliedGrants`, bounded by the number of access types).
    let grantClosure: [String: Set<String>]

    public init(name: String, resources: [ResourceDef], accessTypes: [AccessTypeDef], policyConditions: [ConditionDef],
                maskTypes: [String] = [], rowFilterAccessTypes: [String] = [], dataMaskAccessTypes: [String] = []) {
        self.name = name
        self.resources = resources
        self.accessTypes = accessTypes
        self.policyConditions = policyConditions
        self.maskTypes = maskTypes
        self.rowFilterAccessTypes = rowFilterAccessTypes
        self.dataMaskAccessTypes = dataMaskAccessTypes
        var closure: [String: Set<String>] = [:]
        let direct = Dictionary(accessTypes.map { ($0.name, $0.impliedGrants) }, uniquingKeysWith: { a, _ in a })
        for type in accessTypes {
            var seen: Set<String> = [type.name]
            var frontier = [type.name]
            while let next = frontier.popLast() {  // each name enters at most once: bounded
                for implied in direct[next] ?? [] where seen.insert(implied).inserted { frontier.append(implied) }
            }
            closure[type.name] = seen
        }
        self.grantClosure = closure
    }

    /// Kafka names are compared case-sensitively whatever the definition says: Kafka
    /// itself treats `Orders` and `orders` as two topics (deliberately unlike Ranger).
    public var isKafka: Bool { name == "kafka" }

    public func resource(named name: String) -> ResourceDef? { resources.first { $0.name == name } }

    public func isAccessType(_ name: String) -> Bool { grantClosure[name] != nil }

    /// The access types an item listing `accesses` grants.
    func granted(by accesses: [String]) -> Set<String> {
        var out: Set<String> = []
        for access in accesses { out.formUnion(grantClosure[access] ?? [access]) }
        return out
    }

    /// The resource names from the top of the hierarchy down to `name`.
    func lineage(of name: String) -> [String] {
        var chain: [String] = []
        var current: String? = name
        while let here = current, chain.count <= resources.count, let def = resource(named: here) {
            chain.append(here)
            current = def.parent
        }
        return chain.reversed()
    }

    /// Parses a Ranger `serviceDef` object.
    static func parse(_ node: JSONNode) throws(PolicyLoadError) -> ServiceDef {
        _ = try node.object()
        let name = try node.required("name").string()
        var resources: [ResourceDef] = []
        for r in try node.array("resources") {
            let options = r["matcherOptions"]
            func option(_ key: String, _ fallback: Bool) throws(PolicyLoadError) -> Bool {
                try options?.bool(key, default: fallback) ?? fallback
            }
            let separator = try options?.string("pathSeparatorChar")?.first ?? "/"
            let parent = try r.string("parent")
            resources.append(ResourceDef(
                name: try r.required("name").string(), level: Int(try r.int("level") ?? 1),
                parent: (parent?.isEmpty ?? true) ? nil : parent,
                ignoreCase: try option("ignoreCase", true), wildcard: try option("wildCard", true),
                recursiveSupported: try r.bool("recursiveSupported", default: false),
                excludesSupported: try r.bool("excludesSupported", default: true), pathSeparator: separator))
        }
        guard !resources.isEmpty else { throw node.error("a service definition needs at least one resource") }
        for r in resources where r.parent != nil && !resources.contains(where: { $0.name == r.parent }) {
            throw node.error("resource \"\(r.name)\" names parent \"\(r.parent!)\", which is not defined")
        }
        var accessTypes: [AccessTypeDef] = []
        for a in try node.array("accessTypes") {
            accessTypes.append(AccessTypeDef(name: try a.required("name").string(), impliedGrants: try a.strings("impliedGrants")))
        }
        let known = Set(accessTypes.map(\.name))
        for (i, a) in accessTypes.enumerated() {
            for implied in a.impliedGrants where !known.contains(implied) {
                throw PolicyLoadError(file: node.file, path: "\(node.path == "$" ? "" : node.path + ".")accessTypes[\(i)].impliedGrants",
                                      message: "implied grant \"\(implied)\" is not an access type of \(name)")
            }
        }
        var conditions: [ConditionDef] = []
        for c in try node.array("policyConditions") {
            conditions.append(ConditionDef(name: try c.required("name").string(), evaluator: try c.string("evaluator") ?? ""))
        }
        var maskTypes: [String] = []
        var dataMaskAccess: [String] = []
        if let mask = node["dataMaskDef"] {
            for t in try mask.array("maskTypes") { maskTypes.append(try t.required("name").string()) }
            for a in try mask.array("accessTypes") { dataMaskAccess.append(try a.required("name").string()) }
        }
        var rowFilterAccess: [String] = []
        if let rowFilter = node["rowFilterDef"] {
            for a in try rowFilter.array("accessTypes") { rowFilterAccess.append(try a.required("name").string()) }
        }
        return ServiceDef(name: name, resources: resources, accessTypes: accessTypes, policyConditions: conditions,
                          maskTypes: maskTypes, rowFilterAccessTypes: rowFilterAccess, dataMaskAccessTypes: dataMaskAccess)
    }
}
