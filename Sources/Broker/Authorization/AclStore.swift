import Foundation
import PolicyEngine
import Synchronization

/// The Kafka ACLs that CreateAcls adds and DeleteAcls removes, kept in
/// `<log.dirs>/meta/acls.json` (atomic replace). The policy store turns them into a policy
/// set of their own beside the Ranger files.
final class AclStore: Sendable {
    private let url: URL
    private let bindings: Mutex<[KafkaAclBinding]>

    init(dataDirectory: String) throws {
        url = URL(fileURLWithPath: dataDirectory).appendingPathComponent("meta/acls.json")
        if let data = FileManager.default.contents(atPath: url.path) {
            do {
                bindings = Mutex(try JSONDecoder().decode([StoredAcl].self, from: data).map { try $0.binding() })
            } catch {
                throw AuthorizationSetupError(message: "cannot read \(url.path): \(error)")
            }
        } else {
            bindings = Mutex([])
        }
    }

    var all: [KafkaAclBinding] { bindings.withLock { $0 } }

    /// Replaces the stored list with `update(current)` once `accept` (which builds the
    /// policy snapshot with the new list) has succeeded; nothing changes if either throws.
    func update(_ change: ([KafkaAclBinding]) -> [KafkaAclBinding],
                accept: ([KafkaAclBinding]) throws -> Void) throws {
        try bindings.withLock { current in
            let next = change(current)
            guard next != current else { return }
            try accept(next)
            let data = try JSONEncoder.sorted.encode(next.map(StoredAcl.init))
            try AtomicFile.write(String(decoding: data, as: UTF8.self) + "\n", to: url)
            current = next
        }
    }
}

struct AuthorizationSetupError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// The file form of one binding: Kafka's names for every field.
private struct StoredAcl: Codable {
    var principal: String
    var host: String
    var resourceType: String
    var resourceName: String
    var patternType: String
    var operation: String
    var permission: String

    init(_ b: KafkaAclBinding) {
        principal = b.principal
        host = b.host
        resourceType = b.resourceType.rawValue
        resourceName = b.resourceName
        patternType = b.patternType.rawValue
        operation = b.operation.rawValue
        permission = b.permission.rawValue
    }

    func binding() throws -> KafkaAclBinding {
        guard let type = KafkaResourceType(rawValue: resourceType),
              let pattern = KafkaAclBinding.PatternType(rawValue: patternType),
              let op = KafkaOperation(rawValue: operation),
              let perm = KafkaAclBinding.Permission(rawValue: permission)
        else { throw AuthorizationSetupError(message: "unknown enum value in ACL \(principal) \(resourceType):\(resourceName)") }
        return KafkaAclBinding(principal: principal, host: host, resourceType: type, resourceName: resourceName,
                               patternType: pattern, operation: op, permission: perm)
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        return e
    }
}
