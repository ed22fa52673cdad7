import Foundation
@testable import PolicyEngine

/// Builds snapshots from policy JSON written in the tests, the way the broker would:
/// bytes in, snapshot out.
enum Fixture {
    static func file(_ name: String = "test.json", _ json: String) -> PolicyFile {
        PolicyFile(name: name, contents: Data(json.utf8))
    }

    /// A Kafka policy file around the given policy objects.
    static func kafka(_ policies: [String], extra: String = "") -> PolicyFile {
        file("kafka.json", #"{"serviceName": "kafka", "policies": [\#(policies.joined(separator: ","))]\#(extra)}"#)
    }

    static func snapshot(_ policies: [String], extra: String = "", principals: String? = nil, acls: [KafkaAclBinding] = [],
                         superUsers: Set<String> = [], version: Int64 = 1) throws -> PolicySnapshot {
        var files = [kafka(policies, extra: extra)]
        if let principals { files.append(file("principals.json", principals)) }
        return try PolicySnapshot.load(files: files, kafkaAcls: acls, superUsers: superUsers, version: version)
    }

    /// A policy on topics: `items` are policyItems JSON, `deny` denyPolicyItems, and so on.
    static func topicPolicy(id: Int, topics: [String], excludes: Bool = false, priority: Int = 0, items: [String] = [],
                            deny: [String] = [], allowExceptions: [String] = [], denyExceptions: [String] = [],
                            more: String = "") -> String {
        let values = topics.map { "\"\($0)\"" }.joined(separator: ",")
        return #"""
        {"id": \#(id), "name": "p\#(id)", "policyPriority": \#(priority), "isEnabled": true, "isAuditEnabled": true,
         "resources": {"topic": {"values": [\#(values)], "isExcludes": \#(excludes)}},
         "policyItems": [\#(items.joined(separator: ","))], "denyPolicyItems": [\#(deny.joined(separator: ","))],
         "allowExceptions": [\#(allowExceptions.joined(separator: ","))], "denyExceptions": [\#(denyExceptions.joined(separator: ","))]\#(more)}
        """#
    }

    static func item(users: [String] = [], groups: [String] = [], roles: [String] = [], _ accesses: [String],
                     conditions: String = "") -> String {
        func list(_ names: [String]) -> String { names.map { "\"\($0)\"" }.joined(separator: ",") }
        let access = accesses.map { #"{"type": "\#($0)", "isAllowed": true}"# }.joined(separator: ",")
        let cond = conditions.isEmpty ? "" : #", "conditions": [\#(conditions)]"#
        return #"{"users": [\#(list(users))], "groups": [\#(list(groups))], "roles": [\#(list(roles))], "accesses": [\#(access)]\#(cond)}"#
    }

    static let noon = Date(timeIntervalSince1970: 1_767_268_800)  // 2026-01-01T12:00:00Z, a Thursday
}
