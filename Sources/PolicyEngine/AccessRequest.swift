/// One thing a principal wants to do: an access type on a resource (Ranger's
/// `RangerAccessRequest` minus the user, who is given once per batch).
public struct AccessRequest: Hashable, Sendable {
    /// Which of Ranger's three policy types answers the request.
    public enum Kind: Int, Sendable, Hashable {
        /// Allow or deny (policyType 0).
        case access = 0
        /// Which mask applies to a column-like resource (policyType 1).
        case dataMask = 1
        /// Which row filter applies to a table-like resource (policyType 2).
        case rowFilter = 2
    }

    /// Ranger's `resourceMatchingScope`: `self` matches policies for exactly this
    /// resource; `selfOrDescendants` also matches policies for resources below it (e.g.
    /// "may alice see anything in database sales?").
    public enum MatchingScope: String, Sendable, Hashable {
        case `self` = "SELF"
        case selfOrDescendants = "SELF_OR_DESCENDANTS"
    }

    /// Resource name → value, e.g. `["topic": "orders"]` or
    /// `["database": "sales", "table": "orders"]` (Ranger's `resource.elements`).
    public var resource: [String: String]
    public var accessType: String
    public var scope: MatchingScope
    public var kind: Kind
    /// Ranger's request `context` (not used by the built-in conditions; kept for audit).
    public var context: [String: String]

    public init(resource: [String: String], accessType: String, scope: MatchingScope = .self, kind: Kind = .access,
                context: [String: String] = [:]) {
        self.resource = resource
        self.accessType = accessType
        self.scope = scope
        self.kind = kind
        self.context = context
    }

    /// The request as decisions' reasons name it.
    var asked: Reason.Asked { Reason.Asked(access: accessType, resource: resource) }

    /// Hashes a one-element resource (every Kafka request) without Dictionary's
    /// per-element hashers: the decision cache hashes this on every lookup.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(accessType)
        hasher.combine(kind)
        hasher.combine(scope)
        if resource.count == 1, let (key, value) = resource.first {
            hasher.combine(key)
            hasher.combine(value)
        } else {
            hasher.combine(resource)
        }
        if !context.isEmpty { hasher.combine(context) }
    }
}

/// Who is asking: a short user name (the security layer has already applied its mapping
/// rules and stripped Kafka's `User:` prefix), and the groups and roles it brings. The
/// snapshot adds groups and roles from its principals file.
public struct Principal: Hashable, Sendable {
    public var user: String
    public var groups: [String]
    public var roles: [String]

    public init(user: String, groups: [String] = [], roles: [String] = []) {
        self.user = user
        self.groups = groups
        self.roles = roles
    }

    /// From a Kafka principal string: `User:alice` → `alice` (other types keep their text).
    public init(kafkaPrincipal: String, groups: [String] = [], roles: [String] = []) {
        let user = kafkaPrincipal.hasPrefix("User:") ? String(kafkaPrincipal.dropFirst(5)) : kafkaPrincipal
        self.init(user: user, groups: groups, roles: roles)
    }
}
