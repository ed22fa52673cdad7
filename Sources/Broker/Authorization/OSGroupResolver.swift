import Foundation
import Synchronization

/// A user's groups from the operating system's user database (NSS: /etc/group, LDAP via
/// sssd, …), as Ranger's usersync would import them, for `bulwark.policy.groups.os=true`.
///
/// Lookups can block (NSS may reach a directory server), so answers are cached for
/// `ttl` and the cache is bounded; a user the system does not know has no OS groups.
final class OSGroupResolver: Sendable {
    private struct Entry {
        var groups: [String]
        var expires: ContinuousClock.Instant
    }

    private let ttl: Duration
    private let capacity: Int
    private let cache = Mutex<[String: Entry]>([:])

    init(ttl: Duration = .seconds(60), capacity: Int = 10_000) {
        self.ttl = ttl
        self.capacity = capacity
    }

    func groups(of user: String) -> [String] {
        let now = ContinuousClock.now
        if let hit = cache.withLock({ $0[user] }), hit.expires > now { return hit.groups }
        let groups = Self.lookUp(user)
        cache.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[user] = Entry(groups: groups, expires: now + ttl)
        }
        return groups
    }

    /// The names of the user's primary and supplementary groups; empty for unknown users.
    static func lookUp(_ user: String) -> [String] {
        var pwd = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16 * 1024)
        guard getpwnam_r(user, &pwd, &buffer, buffer.count, &result) == 0, result != nil else { return [] }
        let primary = pwd.pw_gid
        var count: Int32 = 64
        var ids = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(user, primary, &ids, &count) < 0 {
            // `count` now holds the size needed; one retry with room for all of them.
            ids = [gid_t](repeating: 0, count: Int(count))
            guard getgrouplist(user, primary, &ids, &count) >= 0 else { return [] }
        }
        return ids.prefix(Int(count)).compactMap(groupName)
    }

    private static func groupName(_ id: gid_t) -> String? {
        var group = Glibc.group()
        var result: UnsafeMutablePointer<Glibc.group>?
        var buffer = [CChar](repeating: 0, count: 16 * 1024)
        guard getgrgid_r(id, &group, &buffer, buffer.count, &result) == 0, result != nil, let name = group.gr_name else {
            return nil
        }
        return String(cString: name)
    }
}
