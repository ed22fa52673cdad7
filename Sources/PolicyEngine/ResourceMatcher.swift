/// Does a policy's resource specification apply to a requested resource? Ranger's rules:
/// every resource the policy names must match the request's value (any pattern; none
/// with `isExcludes`); a resource the request names but the policy does not makes the
/// policy one for an ancestor, which does not apply; a resource the policy names below
/// the request's applies only if its values are `*` (scope SELF) or always (scope
/// SELF_OR_DESCENDANTS).
struct ResourceMatcher: Sendable {
    let def: ServiceDef
    /// Names compared without case (definitions that ask for it; never Kafka).
    let folded: Set<String>
    let recursiveSeparators: [String: UInt8]

    /// Resources without a parent: the ones the policy sets index.
    let topLevel: Set<String>

    init(def: ServiceDef) {
        self.def = def
        topLevel = Set(def.resources.filter { $0.parent == nil }.map(\.name))
        folded = def.isKafka ? [] : Set(def.resources.filter(\.ignoreCase).map(\.name))
        recursiveSeparators = Dictionary(def.resources.map { ($0.name, UInt8(ascii: $0.pathSeparator.unicodeScalars.first.map { $0.isASCII ? $0 : "/" } ?? "/")) },
                                         uniquingKeysWith: { a, _ in a })
    }

    func value(_ raw: String, for key: String) -> String { !folded.isEmpty && folded.contains(key) ? raw.lowercased() : raw }

    func matches(_ spec: Policy.Resources, _ request: AccessRequest, user: String) -> Bool {
        // One resource asked, one named (every Kafka request): no walk over either dictionary.
        if request.resource.count == 1, spec.count == 1, let (key, raw) = request.resource.first {
            guard let values = spec[key] else { return false }
            return matches(values, value(raw, for: key), key: key, user: user)
        }
        for key in request.resource.keys where spec[key] == nil { return false }
        for (key, values) in spec {
            if let raw = request.resource[key] {
                if !matches(values, value(raw, for: key), key: key, user: user) { return false }
            } else if request.scope == .self {
                if values.isExcludes || !values.patterns.contains(where: \.isMatchAll) { return false }
            }
        }
        return true
    }

    func matches(_ values: Policy.ResourceValues, _ value: String, key: String, user: String) -> Bool {
        var hit = values.patterns.contains { $0.matches(value, user: user) }
        if !hit && values.isRecursive, let separator = recursiveSeparators[key] {
            // A recursive value also covers everything below it: try each ancestor path.
            let bytes = Array(value.utf8)
            var i = bytes.count - 1
            while i > 0 && !hit {
                if bytes[i] == separator {
                    let ancestor = String(decoding: bytes[..<i], as: UTF8.self)
                    hit = values.patterns.contains { $0.matches(ancestor, user: user) || $0.matches(ancestor + "/", user: user) }
                }
                i -= 1
            }
        }
        return hit != values.isExcludes
    }

    /// Zone membership: every resource the zone names matches the request's value (the
    /// zone also covers everything below those resources).
    func inZone(_ zone: [Policy.Resources], _ request: AccessRequest) -> Bool {
        zone.contains { spec in
            spec.allSatisfy { key, values in
                guard let raw = request.resource[key] else { return false }
                return matches(values, value(raw, for: key), key: key, user: "")
            }
        }
    }
}
