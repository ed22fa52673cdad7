import ArgumentParser
import AuditLog
import Foundation

/// Output formats of `query`, `tail` and `export`; JSON is made only here, at output time.
enum AuditOutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv, ocsf
}

/// Writes records to standard output in one format, buffering so a large query is not one
/// system call per line.
struct AuditPrinter {
    let format: AuditOutputFormat
    private var buffer = ""
    private var wroteHeader = false

    init(format: AuditOutputFormat) { self.format = format }

    static let csvColumns = ["seq", "time", "kind", "result", "count", "last_time", "principal", "tenant", "resource_type",
                             "resource_name", "access", "api", "api_version", "policy_id", "policy_version", "client_address",
                             "client_port", "listener", "connection_id", "correlation_id", "client_id", "mechanism", "action", "reason"]

    mutating func print(_ r: AuditRecord) {
        let e = r.event
        switch format {
        case .json: buffer += AuditRecordFormat.json(r) + "\n"
        case .ocsf: buffer += AuditOCSF.json(r) + "\n"
        case .csv:
            if !wroteHeader {
                buffer += Self.csvColumns.joined(separator: ",") + "\n"
                wroteHeader = true
            }
            let fields: [String] = [
                String(r.sequence), AuditTimeParser.format(e.time), e.kind.name, e.result.name, String(e.count),
                AuditTimeParser.format(e.lastTime), e.principal, e.tenant, e.resourceType, e.resourceName, e.access, e.apiName,
                String(e.apiVersion), e.policyId, String(e.policyVersion), e.clientAddress, String(e.clientPort), e.listener,
                String(e.connectionId), String(e.correlationId), e.clientId, e.mechanism, e.action, e.reason,
            ]
            buffer += fields.map(Self.csvField).joined(separator: ",") + "\n"
        case .table:
            if !wroteHeader {
                buffer += Self.row(["SEQ", "TIME", "KIND", "RESULT", "PRINCIPAL", "RESOURCE", "ACCESS", "API", "CLIENT", "COUNT", "POLICY/REASON"])
                wroteHeader = true
            }
            let detail = e.policyId.isEmpty ? (e.action.isEmpty ? e.reason : "\(e.action): \(e.reason)") : e.policyId
            buffer += Self.row([String(r.sequence), AuditTimeParser.format(e.time), e.kind.name, e.result.name, e.principal,
                                e.resource, e.access, e.apiName, e.clientAddress, String(e.count), detail])
        }
        if buffer.utf8.count > 1 << 16 { flush() }
    }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        FileHandle.standardOutput.write(Data(buffer.utf8))
        buffer = ""
    }

    static let widths = [8, 24, 13, 7, 18, 24, 9, 12, 15, 5, 0]

    static func row(_ cells: [String]) -> String {
        var line = ""
        for (i, cell) in cells.enumerated() {
            let width = widths[i]
            var c = cell.replacingOccurrences(of: "\n", with: " ")
            if width > 0 {
                if c.count > width { c = String(c.prefix(width - 1)) + "…" }
                c += String(repeating: " ", count: width - c.count) + " "
            }
            line += c
        }
        return line + "\n"
    }

    static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
