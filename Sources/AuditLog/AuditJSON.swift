/// A tiny JSON object writer: fields in the order given, strings escaped per RFC 8259.
/// Output is produced only at the edges (CLI, export), never stored.
struct AuditJSONObject {
    private(set) var text = "{"
    private var first = true

    private mutating func key(_ k: String) {
        if !first { text += "," }
        first = false
        text += "\""
        text += k
        text += "\":"
    }

    mutating func string(_ k: String, _ v: String) {
        key(k)
        AuditJSONObject.appendEscaped(v, to: &text)
    }

    mutating func stringIfPresent(_ k: String, _ v: String) { if !v.isEmpty { string(k, v) } }

    mutating func int<T: BinaryInteger>(_ k: String, _ v: T) {
        key(k)
        text += String(v)
    }

    mutating func bool(_ k: String, _ v: Bool) {
        key(k)
        text += v ? "true" : "false"
    }

    mutating func object(_ k: String, _ build: (inout AuditJSONObject) -> Void) {
        var inner = AuditJSONObject()
        build(&inner)
        key(k)
        text += inner.finished
    }

    mutating func raw(_ k: String, _ json: String) {
        key(k)
        text += json
    }

    var finished: String { text + "}" }

    static func appendEscaped(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    static func array(_ items: [String]) -> String {
        var out = "["
        for (i, item) in items.enumerated() {
            if i > 0 { out += "," }
            out += item
        }
        return out + "]"
    }

    static func quoted(_ s: String) -> String {
        var out = ""
        appendEscaped(s, to: &out)
        return out
    }
}

/// Output encodings of a record.
public enum AuditRecordFormat {
    /// Bulwark's own JSON: every field, one object per line.
    public static func json(_ record: AuditRecord) -> String {
        let e = record.event
        var o = AuditJSONObject()
        o.int("seq", record.sequence)
        o.string("kind", e.kind.name)
        o.int("time", e.time)
        if e.count > 1 || e.lastTime != e.time {
            o.int("last_time", e.lastTime)
        }
        o.int("count", e.count)
        o.string("result", e.result.name)
        o.string("principal", e.principal)
        if !e.groups.isEmpty { o.raw("groups", AuditJSONObject.array(e.groups.map(AuditJSONObject.quoted))) }
        o.stringIfPresent("tenant", e.tenant)
        o.stringIfPresent("resource_type", e.resourceType)
        o.stringIfPresent("resource_name", e.resourceName)
        o.stringIfPresent("access", e.access)
        o.stringIfPresent("api", e.apiName)
        if !e.apiName.isEmpty { o.int("api_version", e.apiVersion) }
        o.stringIfPresent("policy_id", e.policyId)
        if e.policyVersion != 0 { o.int("policy_version", e.policyVersion) }
        o.stringIfPresent("action", e.action)
        o.stringIfPresent("reason", e.reason)
        o.stringIfPresent("client_address", e.clientAddress)
        if e.clientPort != 0 { o.int("client_port", e.clientPort) }
        o.stringIfPresent("listener", e.listener)
        if e.connectionId != 0 { o.int("connection_id", e.connectionId) }
        if e.correlationId != 0 { o.int("correlation_id", e.correlationId) }
        o.stringIfPresent("client_id", e.clientId)
        o.stringIfPresent("mechanism", e.mechanism)
        if !e.tls.isEmpty {
            o.object("tls") { t in
                t.stringIfPresent("protocol", e.tls.protocolVersion)
                t.stringIfPresent("cipher", e.tls.cipherSuite)
                t.stringIfPresent("peer_subject", e.tls.peerSubject)
            }
        }
        o.stringIfPresent("before", e.before)
        o.stringIfPresent("after", e.after)
        return o.finished
    }
}
