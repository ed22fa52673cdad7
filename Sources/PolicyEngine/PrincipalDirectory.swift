/// Group membership, roles and super users from the principals file in `Policies/`
/// (see Policies/README.md):
///
/// ```json
/// { "userGroups":  { "alice": ["analysts"] },
///   "rangerRoles": [ { "name": "auditors", "users": [{"name": "carol"}], "groups": [{"name": "sec"}],
///                      "roles": [{"name": "junior-auditors"}] } ],
///   "superUsers":  ["admin"], "superGroups": ["platform-admins"],
///   "userAttributes": { "alice": { "region": "eu" } } }
/// ```
///
/// `userAttributes` are what record rules read as `${{USER.region}}` (Ranger's user
/// store attributes).
///
/// Roles are Ranger's: a role's members are users, groups and other roles, so a member
/// of `junior-auditors` is also in `auditors` (nesting resolved transitively).
public struct PrincipalDirectory: Sendable {
    /// The members that make a file a principals file (any one of them).
    static let fileKeys = ["userGroups", "rangerRoles", "roles", "superUsers", "superGroups", "userAttributes"]

    struct Role: Sendable {
        var users: Set<String>
        var groups: Set<String>
        var memberRoles: Set<String>
    }

    var userGroups: [String: [String]] = [:]
    /// User → attribute → value, for `${{USER.x}}` in record rules.
    public internal(set) var userAttributes: [String: [String: String]] = [:]
    var roles: [String: Role] = [:]
    /// Role → the roles it is a member of.
    var containingRoles: [String: [String]] = [:]
    public var superUsers: Set<String> = []
    public var superGroups: Set<String> = []

    public init(superUsers: Set<String> = [], superGroups: Set<String> = []) {
        self.superUsers = superUsers
        self.superGroups = superGroups
    }

    public var roleNames: [String] { roles.keys.sorted() }

    /// Adds one principals file (several files merge).
    mutating func add(_ node: JSONNode) throws(PolicyLoadError) {
        _ = try node.object()
        if let groups = node["userGroups"] {
            for user in try groups.object().keys.sorted() {
                userGroups[user, default: []] += try groups.required(user).stringArray()
            }
        }
        for roleNode in try node.array("rangerRoles") + node.array("roles") {
            let name = try roleNode.required("name").string()
            func names(_ key: String) throws(PolicyLoadError) -> Set<String> {
                var out: Set<String> = []
                for member in try roleNode.array(key) {
                    out.insert(member.value is String ? try member.string() : try member.required("name").string())
                }
                return out
            }
            var role = roles[name] ?? Role(users: [], groups: [], memberRoles: [])
            role.users.formUnion(try names("users"))
            role.groups.formUnion(try names("groups"))
            role.memberRoles.formUnion(try names("roles"))
            roles[name] = role
        }
        if let attributes = node["userAttributes"] {
            for user in try attributes.object().keys.sorted() {
                let entry = try attributes.required(user)
                for name in try entry.object().keys.sorted() {
                    userAttributes[user, default: [:]][name] = try entry.required(name).string()
                }
            }
        }
        superUsers.formUnion(try node.strings("superUsers"))
        superGroups.formUnion(try node.strings("superGroups"))
        containingRoles = [:]
        for (name, role) in roles { for member in role.memberRoles { containingRoles[member, default: []].append(name) } }
    }

    /// The principal with its file groups, `public`, and every role it holds directly or
    /// through nesting.
    func resolve(_ principal: Principal) -> ResolvedPrincipal {
        var groups = Set(principal.groups)
        groups.formUnion(userGroups[principal.user] ?? [])
        groups.insert("public")
        var held = Set(principal.roles)
        for (name, role) in roles where role.users.contains(principal.user) || !role.groups.isDisjoint(with: groups) {
            held.insert(name)
        }
        var frontier = Array(held)
        while let role = frontier.popLast() {  // each role enters once: bounded by the role count
            for parent in containingRoles[role] ?? [] where held.insert(parent).inserted { frontier.append(parent) }
        }
        let isSuper = superUsers.contains(principal.user) || !superGroups.isDisjoint(with: groups)
        return ResolvedPrincipal(user: principal.user, groups: groups, roles: held, isSuper: isSuper)
    }
}

/// A principal with everything it is a member of.
struct ResolvedPrincipal: Sendable {
    var user: String
    var groups: Set<String>
    var roles: Set<String>
    var isSuper: Bool
}
