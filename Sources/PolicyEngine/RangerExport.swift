import Foundation

/// Conversions between Ranger Admin's policy export (`{"metaDataInfo": …, "policies":
/// [… each with "service" and "serviceType" …]}`) and the `Policies/` file form (a
/// ServicePolicies-like object per service: `serviceName`, `description`, `policies`).
/// Pure JSON transforms; the CLI reads and writes the files.
public enum RangerExport {
    /// Fields Ranger Admin adds that mean nothing in a file (they are regenerated on import).
    static let adminOnlyFields: Set<String> = ["service", "serviceType", "guid", "createdBy", "updatedBy", "createTime",
                                               "updateTime", "resourceSignature", "isDenyAllElseSet"]

    /// Splits an export into one `Policies/` document per service, keyed by service name.
    public static func importExport(_ data: Data, file: String) throws(PolicyLoadError) -> [String: Data] {
        let root = try JSONNode.parse(data, file: file)
        _ = try root.object()
        var byService: [String: [[String: Any]]] = [:]
        var serviceTypes: [String: String] = [:]
        for node in try root.required("policies").array() {
            let policy = try node.object()
            let service = try node.required("service").string()
            serviceTypes[service] = try node.string("serviceType") ?? serviceTypes[service]
            byService[service, default: []].append(policy.filter { !adminOnlyFields.contains($0.key) })
        }
        let exported = (try? root["metaDataInfo"]?.string("Export time")) ?? nil
        var out: [String: Data] = [:]
        for (service, policies) in byService {
            // A tag service's policies become the tagPolicies of a file with no policies of its own.
            var doc: [String: Any] = serviceTypes[service] == "tag"
                ? ["serviceName": "kafka", "policies": [], "tagPolicies": ["serviceName": service, "policies": policies]]
                : ["serviceName": service, "policies": policies]
            doc["description"] = "Imported from a Ranger export" + (exported.map { " of \($0)" } ?? "")
                + (serviceTypes[service].map { " (service type \($0))" } ?? "")
            out[service] = try serialize(doc, file: file)
        }
        return out
    }

    /// One Ranger export from `Policies/` documents (principals files are skipped).
    public static func export(_ files: [PolicyFile], exportTime: Date) throws(PolicyLoadError) -> Data {
        var policies: [[String: Any]] = []
        for file in files {
            let root = try JSONNode.parse(file.contents, file: file.name)
            _ = try root.object()
            guard root.has("policies") else { continue }
            let service = try root.string("serviceName") ?? "kafka"
            let serviceType = try root["serviceDef"]?.string("name") ?? "kafka"
            for node in try root.required("policies").array() {
                var policy = try node.object()
                policy["service"] = service
                policy["serviceType"] = serviceType
                policies.append(policy)
            }
            if let tags = root["tagPolicies"] {
                let tagService = try tags.string("serviceName") ?? "tags"
                for node in try tags.array("policies") {
                    var policy = try node.object()
                    policy["service"] = tagService
                    policy["serviceType"] = "tag"
                    policies.append(policy)
                }
            }
        }
        let formatter = ISO8601DateFormatter()
        let doc: [String: Any] = [
            "metaDataInfo": ["Host name": "bulwark", "Exported by": "bulwark policy export-ranger",
                             "Export time": formatter.string(from: exportTime), "Ranger apache version": "2.4.0"],
            "policies": policies, "startIndex": 0, "pageSize": 0, "totalCount": policies.count, "resultSize": policies.count,
        ]
        return try serialize(doc, file: "export")
    }

    static func serialize(_ object: Any, file: String) throws(PolicyLoadError) -> Data {
        do {
            return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        } catch {
            throw PolicyLoadError(file: file, path: "$", message: "cannot write JSON: \(error)")
        }
    }
}
