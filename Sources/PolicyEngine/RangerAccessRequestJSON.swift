import Foundation

/// A Ranger access request as JSON (one line of `bulwark policy eval`'s input):
/// `resource.elements`, `accessType`, `user`, `userGroups`, `userRoles`,
/// `clientIPAddress`, `accessTime` (epoch milliseconds, ISO 8601, or
/// `yyyy/MM/dd HH:mm:ss` UTC), `context`, `resourceMatchingScope`, and — Bulwark's
/// addition, named as on policies — `policyType` (0 access, 1 data mask, 2 row filter).
public struct RangerAccessRequestJSON: Sendable {
    public var request: AccessRequest
    public var principal: Principal
    public var clientAddress: String?
    public var accessTime: Date?

    public static func parse(_ data: Data) throws(PolicyLoadError) -> RangerAccessRequestJSON {
        let root = try JSONNode.parse(data, file: "request")
        _ = try root.object()
        var resource: [String: String] = [:]
        if let r = root["resource"] {
            let elementsNode = r["elements"] ?? r
            for key in try elementsNode.object().keys.sorted() {
                let value = try elementsNode.required(key)
                if let values = value.value as? [Any] {
                    guard values.count == 1 else { throw value.error("one value per resource element") }
                    resource[key] = try value.array()[0].string()
                } else {
                    resource[key] = try value.string()
                }
            }
        }
        var context: [String: String] = [:]
        if let c = root["context"] {
            for key in try c.object().keys.sorted() {
                let v = try c.required(key)
                context[key] = (v.value as? String) ?? "\(v.value)"
            }
        }
        let scopeText = try root.string("resourceMatchingScope") ?? "SELF"
        guard let scope = AccessRequest.MatchingScope(rawValue: scopeText) else {
            throw try root.required("resourceMatchingScope").error("resourceMatchingScope must be SELF or SELF_OR_DESCENDANTS")
        }
        var kind = AccessRequest.Kind.access
        if let type = root["policyType"] {
            let names: [String: Int64] = ["access": 0, "datamask": 1, "data_mask": 1, "rowfilter": 2, "row_filter": 2]
            let code: Int64
            if let name = type.value as? String, let known = names[name.lowercased()] { code = known } else { code = try type.int() }
            guard let parsed = AccessRequest.Kind(rawValue: Int(code)) else { throw type.error("policyType must be 0, 1 or 2") }
            kind = parsed
        }
        let principal = Principal(user: try root.required("user").string(), groups: try root.strings("userGroups"),
                                  roles: try root.strings("userRoles"))
        return RangerAccessRequestJSON(
            request: AccessRequest(resource: resource, accessType: try root.required("accessType").string(), scope: scope,
                                   kind: kind, context: context),
            principal: principal, clientAddress: try root.string("clientIPAddress"),
            accessTime: try root["accessTime"].map { node throws(PolicyLoadError) in try time(node) })
    }

    static func time(_ node: JSONNode) throws(PolicyLoadError) -> Date {
        if let text = node.value as? String {
            let iso = ISO8601DateFormatter()
            if let date = iso.date(from: text) { return date }
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            for format in ["yyyy/MM/dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss"] {
                formatter.dateFormat = format
                if let date = formatter.date(from: text) { return date }
            }
            throw node.error("accessTime \"\(text)\" is not epoch milliseconds, ISO 8601 or yyyy/MM/dd HH:mm:ss")
        }
        return Date(timeIntervalSince1970: Double(try node.int()) / 1000)
    }
}

extension Decision {
    /// The JSON object `bulwark policy eval` writes: Ranger's result names, `policyId`
    /// -1 when no policy decided (as Ranger's `RangerAccessResult`).
    public var rangerResultJSON: [String: Any] {
        var out: [String: Any] = ["isAllowed": isAllowed, "isAudited": isAudited, "policyId": policyId ?? -1, "reason": reason]
        if let policyVersion { out["policyVersion"] = policyVersion }
        if let zone { out["zoneName"] = zone }
        if let filterExpr { out["filterExpr"] = filterExpr }
        if let maskType { out["maskType"] = maskType }
        if let maskCondition { out["maskCondition"] = maskCondition }
        if let maskedValue { out["maskedValue"] = maskedValue }
        return out
    }
}
