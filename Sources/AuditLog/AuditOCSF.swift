/// OCSF 1.3 JSON for SIEMs: authentication events as Authentication (class 3002), every
/// other kind as API Activity (class 6003). Fields OCSF has no place for go in `unmapped`.
public enum AuditOCSF {
    public static let schemaVersion = "1.3.0"

    public static func json(_ record: AuditRecord) -> String {
        record.event.kind == .authentication ? authentication(record) : apiActivity(record)
    }

    /// OCSF API Activity activity ids: 1 Create, 2 Read, 3 Update, 4 Delete, 99 Other.
    static func activityId(_ e: AuditEvent) -> Int {
        switch e.access.lowercased() {
        case "create": 1
        case "read", "describe", "describe_configs", "describeconfigs", "consume": 2
        case "write", "alter", "alter_configs", "alterconfigs", "publish", "idempotent_write": 3
        case "delete": 4
        default: 99
        }
    }

    static func common(_ o: inout AuditJSONObject, _ record: AuditRecord, classUid: Int, categoryUid: Int, activityId: Int) {
        let e = record.event
        o.int("class_uid", classUid)
        o.int("category_uid", categoryUid)
        o.int("activity_id", activityId)
        o.int("type_uid", classUid * 100 + activityId)
        o.int("time", e.time)
        if e.count > 1 || e.lastTime != e.time {
            o.int("count", e.count)
            o.int("start_time", e.time)
            o.int("end_time", e.lastTime)
        }
        let denied = e.result == .denied
        o.int("severity_id", denied ? 3 : 1)
        o.int("status_id", denied ? 2 : 1)
        o.string("status", denied ? "Failure" : "Success")
        o.stringIfPresent("status_detail", e.reason)
        o.object("metadata") { m in
            m.string("version", schemaVersion)
            m.string("uid", String(record.sequence))
            m.string("log_name", "bulwark-audit")
            m.object("product") { p in
                p.string("name", "Bulwark")
                p.string("vendor_name", "Bulwark")
            }
        }
        if !e.principal.isEmpty {
            o.object("actor") { a in
                a.object("user") { u in
                    u.string("name", e.principal)
                    if !e.groups.isEmpty {
                        u.raw("groups", AuditJSONObject.array(e.groups.map { g in
                            var go = AuditJSONObject()
                            go.string("name", g)
                            return go.finished
                        }))
                    }
                    if !e.tenant.isEmpty { u.object("org") { org in org.string("name", e.tenant) } }
                }
            }
        }
        if !e.clientAddress.isEmpty {
            o.object("src_endpoint") { s in
                s.string("ip", e.clientAddress)
                if e.clientPort != 0 { s.int("port", e.clientPort) }
            }
        }
        if !e.listener.isEmpty { o.object("dst_endpoint") { d in d.string("svc_name", e.listener) } }
    }

    static func unmapped(_ o: inout AuditJSONObject, _ e: AuditEvent) {
        o.object("unmapped") { u in
            u.string("bulwark_kind", e.kind.name)
            u.stringIfPresent("action", e.action)
            u.stringIfPresent("tenant", e.tenant)
            if e.connectionId != 0 { u.int("connection_id", e.connectionId) }
            u.stringIfPresent("client_id", e.clientId)
            u.stringIfPresent("before", e.before)
            u.stringIfPresent("after", e.after)
        }
    }

    static func apiActivity(_ record: AuditRecord) -> String {
        let e = record.event
        var o = AuditJSONObject()
        common(&o, record, classUid: 6003, categoryUid: 6, activityId: activityId(e))
        o.object("api") { a in
            a.string("operation", e.apiName.isEmpty ? e.action : e.apiName)
            if !e.apiName.isEmpty { a.string("version", String(e.apiVersion)) }
            if e.correlationId != 0 { a.object("request") { r in r.string("uid", String(e.correlationId)) } }
        }
        if !e.resourceName.isEmpty || !e.resourceType.isEmpty {
            var r = AuditJSONObject()
            r.string("type", e.resourceType)
            r.string("name", e.resourceName)
            o.raw("resources", AuditJSONObject.array([r.finished]))
        }
        if !e.policyId.isEmpty {
            o.object("policy") { p in
                p.string("uid", e.policyId)
                if e.policyVersion != 0 { p.string("version", String(e.policyVersion)) }
            }
        }
        if !e.clientId.isEmpty { o.object("http_request") { h in h.string("user_agent", e.clientId) } }
        unmapped(&o, e)
        return o.finished
    }

    static func authentication(_ record: AuditRecord) -> String {
        let e = record.event
        var o = AuditJSONObject()
        common(&o, record, classUid: 3002, categoryUid: 3, activityId: 1)  // 1: Logon
        o.object("user") { u in u.string("name", e.principal) }
        if !e.mechanism.isEmpty {
            o.int("auth_protocol_id", 99)
            o.string("auth_protocol", e.mechanism)
        }
        if !e.tls.isEmpty {
            o.object("tls") { t in
                t.stringIfPresent("version", e.tls.protocolVersion)
                t.stringIfPresent("cipher", e.tls.cipherSuite)
                if !e.tls.peerSubject.isEmpty { t.object("certificate") { c in c.string("subject", e.tls.peerSubject) } }
            }
        }
        o.bool("is_remote", true)
        unmapped(&o, e)
        return o.finished
    }
}
