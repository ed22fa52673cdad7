/// Turns Ranger policy JSON into `Policy` values, checking every name against the
/// service definition. Anything it cannot evaluate faithfully is an error, so a policy
/// never loads half-understood.
struct PolicyParser {
    let def: ServiceDef
    let source: String

    func parse(_ node: JSONNode, zone defaultZone: String?, order: Int) throws(PolicyLoadError) -> Policy {
        _ = try node.object()
        let id = try node.required("id").int()
        let typeCode = try node.int("policyType") ?? 0
        guard let type = Policy.PolicyType(rawValue: Int(typeCode)) else {
            throw try node.required("policyType").error("policyType must be 0 (access), 1 (data mask) or 2 (row filter)")
        }
        var resources = [try parseResources(try node.required("resources"))]
        for extra in try node.array("additionalResources") { resources.append(try parseResources(extra)) }
        let zoneName = try node.string("zoneName")
        var conditions: [Condition] = []
        for c in try node.array("conditions") { conditions.append(try parseCondition(c)) }
        var schedules: [ValiditySchedule] = []
        for s in try node.array("validitySchedules") { schedules.append(try ValiditySchedule.parse(s)) }
        let allow = try items(node, "policyItems", .allow)
        let deny = try items(node, "denyPolicyItems", .deny)
        let allowExceptions = try items(node, "allowExceptions", .allowException)
        let denyExceptions = try items(node, "denyExceptions", .denyException)
        let rowFilter = try items(node, "rowFilterPolicyItems", .rowFilter)
        let dataMask = try items(node, "dataMaskPolicyItems", .dataMask)
        if type == .access && !rowFilter.isEmpty { throw node.error("an access policy (policyType 0) cannot have rowFilterPolicyItems") }
        if type == .access && !dataMask.isEmpty { throw node.error("an access policy (policyType 0) cannot have dataMaskPolicyItems") }
        if def.isKafka { try checkRecordLevel(node, type: type, resources: resources) }
        var users: Set<String> = [], groups: Set<String> = [], roles: Set<String> = []
        var everyone = false
        for item in allow + deny + allowExceptions + denyExceptions + rowFilter + dataMask {
            users.formUnion(item.users); groups.formUnion(item.groups); roles.formUnion(item.roles)
            if item.users.contains("{USER}") || item.groups.contains("public") { everyone = true }
        }
        return Policy(
            id: id, name: try node.string("name") ?? "", version: try node.int("version"), source: source, type: type,
            priority: Int(try node.int("policyPriority") ?? 0), isEnabled: try node.bool("isEnabled", default: true),
            isAuditEnabled: try node.bool("isAuditEnabled", default: true), isDenyAllElse: try node.bool("isDenyAllElse", default: false),
            zone: (zoneName?.isEmpty ?? true) ? defaultZone : zoneName, resources: resources, conditions: conditions,
            schedules: schedules, allowItems: allow, denyItems: deny, allowExceptions: allowExceptions,
            denyExceptions: denyExceptions, rowFilterItems: rowFilter, dataMaskItems: dataMask,
            principalNames: (users, groups, roles, everyone))
    }

    func parseResources(_ node: JSONNode) throws(PolicyLoadError) -> Policy.Resources {
        let object = try node.object()
        guard !object.isEmpty else { throw node.error("a policy needs at least one resource") }
        var out: Policy.Resources = [:]
        for key in object.keys.sorted() {
            let r = try node.required(key)
            guard let rdef = def.resource(named: key) else {
                throw r.error("unknown resource \"\(key)\" for service definition \(def.name) (known: \(def.resources.map(\.name).joined(separator: ", ")))")
            }
            let values = try r.strings("values")
            guard !values.isEmpty else { throw r.error("\"values\" must list at least one value") }
            let excludes = try r.bool("isExcludes", default: false)
            let recursive = try r.bool("isRecursive", default: false)
            if excludes && !rdef.excludesSupported { throw r.error("resource \(key) does not support isExcludes") }
            if recursive && !rdef.recursiveSupported { throw r.error("resource \(key) does not support isRecursive") }
            let fold = rdef.ignoreCase && !def.isKafka
            out[key] = Policy.ResourceValues(
                patterns: values.map { ResourcePattern(fold ? $0.lowercased() : $0, kind: rdef.wildcard ? .wildcard : .literal) },
                isExcludes: excludes, isRecursive: recursive)
        }
        // The keys must be one path from the top of the hierarchy: every key's parent is
        // present, and no two keys are siblings (database + table + udf is not a resource).
        var parents: Set<String> = []
        for key in out.keys.sorted() {
            let parent = def.resource(named: key)?.parent
            if let parent, out[parent] == nil {
                throw node.error("resource \"\(key)\" needs its parent \"\(parent)\" in the same policy")
            }
            guard parents.insert(parent ?? "").inserted else {
                throw node.error("resources \(out.keys.sorted().joined(separator: ", ")) are not one path of the \(def.name) hierarchy")
            }
        }
        return out
    }

    func parseCondition(_ node: JSONNode) throws(PolicyLoadError) -> Condition {
        let type = try node.required("type").string()
        let values = try node.strings("values")
        guard let conditionDef = def.policyConditions.first(where: { $0.name == type }) else {
            throw node.error("condition type \"\(type)\" is not defined by service definition \(def.name); the policy fails closed")
        }
        let evaluator = conditionDef.evaluator.isEmpty && type == "ip-range" ? "RangerIpMatcher" : conditionDef.evaluator
        guard Condition.ipMatcherClasses.contains(evaluator) else {
            throw node.error("condition type \"\(type)\" (evaluator \(conditionDef.evaluator)) is not supported; the policy fails closed")
        }
        var ranges: [IPRange] = []
        for (i, value) in values.enumerated() {
            guard let range = IPRange(value) else {
                throw PolicyLoadError(file: node.file, path: "\(node.path).values[\(i)]",
                                      message: "\"\(value)\" is not an address, CIDR range or Ranger wildcard range (10.1.*)")
            }
            ranges.append(range)
        }
        guard !ranges.isEmpty else { throw node.error("an ip-range condition needs at least one value") }
        return .ipRange(ranges)
    }

    func items(_ policy: JSONNode, _ key: String, _ kind: Policy.Item.Kind) throws(PolicyLoadError) -> [Policy.Item] {
        var out: [Policy.Item] = []
        for (index, node) in try policy.array(key).enumerated() {
            _ = try node.object()
            var listed: [String] = []
            let allowedTypes: [String]? = switch kind {
            case .rowFilter: def.rowFilterAccessTypes.isEmpty ? nil : def.rowFilterAccessTypes
            case .dataMask: def.dataMaskAccessTypes.isEmpty ? nil : def.dataMaskAccessTypes
            default: nil
            }
            for access in try node.array("accesses") {
                let type = try access.required("type").string()
                guard def.isAccessType(type) || (allowedTypes?.contains(type) ?? false) else {
                    throw access.error("unknown access type \"\(type)\" for service definition \(def.name)")
                }
                // Ranger keeps `isAllowed: false` entries in exports; they grant nothing.
                if try access.bool("isAllowed", default: true) { listed.append(type) }
            }
            var conditions: [Condition] = []
            for c in try node.array("conditions") { conditions.append(try parseCondition(c)) }
            var item = Policy.Item(
                kind: kind, index: index, users: Set(try node.strings("users")), groups: Set(try node.strings("groups")),
                roles: Set(try node.strings("roles")), accesses: def.granted(by: listed), listedAccesses: listed,
                conditions: conditions, delegateAdmin: try node.bool("delegateAdmin", default: false))
            if kind == .rowFilter {
                item.filterExpr = try node["rowFilterInfo"]?.string("filterExpr") ?? ""
                if def.isKafka, let expr = item.filterExpr, !expr.isEmpty {
                    try checkExpression(expr, try node.required("rowFilterInfo").required("filterExpr"))
                }
            }
            if kind == .dataMask {
                let info = try node.required("dataMaskInfo")
                let maskType = try info.required("dataMaskType").string()
                if !def.maskTypes.isEmpty && !def.maskTypes.contains(maskType) {
                    throw info.error("unknown dataMaskType \"\(maskType)\" (known: \(def.maskTypes.joined(separator: ", ")))")
                }
                item.maskType = maskType
                item.maskCondition = try info.string("conditionExpr")
                item.maskedValue = try info.string("valueExpr")
                if def.isKafka {
                    if let c = item.maskCondition, !c.isEmpty { try checkExpression(c, try info.required("conditionExpr")) }
                    if maskType == "CUSTOM" {
                        guard let v = item.maskedValue, !v.isEmpty else { throw info.error("a CUSTOM mask needs a valueExpr") }
                        try checkExpression(v, try info.required("valueExpr"))
                    }
                }
            }
            out.append(item)
        }
        return out
    }

    /// Record-level rules must parse when the policy loads (a broken filter would
    /// otherwise fail only on the first fetch).
    func checkExpression(_ text: String, _ node: JSONNode) throws(PolicyLoadError) {
        do { _ = try RecordRuleExpression.parse(text) } catch { throw node.error("record rule: \(error)") }
    }

    /// `field` belongs to data-mask policies only, each value a literal field reference.
    func checkRecordLevel(_ node: JSONNode, type: Policy.PolicyType, resources: [Policy.Resources]) throws(PolicyLoadError) {
        for spec in resources {
            guard let field = spec["field"] else {
                if type == .dataMask { throw node.error("a Kafka data-mask policy names the masked field in resource \"field\" (key, headers['x'] or value.path)") }
                continue
            }
            guard type == .dataMask else { throw node.error("resource \"field\" is for data-mask policies (policyType 1) only") }
            for pattern in field.patterns {
                do { _ = try RecordRuleExpression.parseField(pattern.text) } catch {
                    throw node.error("field \"\(pattern.text)\": \(error)")
                }
            }
        }
    }
}
