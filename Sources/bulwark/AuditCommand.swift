import ArgumentParser
import AuditLog
import EnvelopeCrypto
import Foundation

/// `bulwark audit …`: read, follow, verify and export the audit log of a data directory.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Query, follow, verify and export the tamper-evident audit log.",
        subcommands: [AuditQueryCommand.self, AuditTailCommand.self, AuditVerifyCommand.self, AuditStatsCommand.self,
                      AuditExportCommand.self, AuditExportKeyCommand.self]
    )
}

/// Where the log is: `--audit-dir`, or `<data-dir>/audit`, or the `log.dirs` (and
/// `bulwark.audit.*` keys) of a `server.properties` given with `--config`.
struct AuditLocationOptions: ParsableArguments {
    @Option(help: "The broker's data directory (log.dirs); the log is in its audit/.") var dataDir: String?
    @Option(help: "A server.properties whose log.dirs (and bulwark.audit.dir) locate the log.") var config: String?
    @Option(help: "The audit directory itself.") var auditDir: String?
    @Option(help: "Master key file, for a log sealed by encryption at rest (as for bulwark keys).") var masterKeyFile: String?
    @Option(help: "Environment variable holding the master key (hex or base64).") var masterKeyEnv: String?
    @Option(help: "File whose first line is the passphrase the master key is derived from.") var passphraseFile: String?

    /// The data directory whose keys/ holds the keyring: --data-dir, the config's log.dirs,
    /// or the parent of --audit-dir.
    private func dataDirectory() throws -> String {
        if let dataDir { return dataDir }
        if let config {
            let properties = try Self.readProperties(config)
            return properties["log.dirs"]?.split(separator: ",").first.map(String.init) ?? properties["log.dir"] ?? "/tmp/kafka-logs"
        }
        if let auditDir { return (auditDir as NSString).deletingLastPathComponent }
        throw ValidationError("give --data-dir, --config or --audit-dir")
    }

    /// The keyring for sealed events, from the master key options or the config's
    /// `bulwark.encryption.*` keys; nil when neither names a master key. The keyring is
    /// locked while open, so a log sealed by a running broker is read through the
    /// `__bulwark_audit` topic, or here once the broker is stopped.
    func sealing() throws -> AuditSealing? {
        var file = masterKeyFile, env = masterKeyEnv, passphrase = passphraseFile
        if file == nil && env == nil && passphrase == nil, let config {
            let properties = try Self.readProperties(config)
            file = properties["bulwark.encryption.master.key.file"]
            env = properties["bulwark.encryption.master.key.env"]
            passphrase = properties["bulwark.encryption.passphrase.file"]
        }
        let keyDirectory = try dataDirectory() + "/keys"
        let provider: any MasterKeyProvider
        switch (file, env, passphrase) {
        case (nil, nil, nil): return nil
        case (let f?, nil, nil): provider = KeyFileMasterKeyProvider(path: f)
        case (nil, let v?, nil): provider = EnvironmentMasterKeyProvider(variable: v)
        case (nil, nil, let p?): provider = PassphraseMasterKeyProvider(passphraseFile: p, keyDirectory: keyDirectory)
        default: throw ValidationError("give at most one of --master-key-file, --master-key-env, --passphrase-file")
        }
        do {
            return AuditSealing(keyring: try Keyring(directory: keyDirectory, provider: provider), sealNewRecords: false)
        } catch {
            throw ValidationError("cannot open the keyring in \(keyDirectory): \(error.message)")
        }
    }

    /// A reader of the resolved log that opens sealed events when a master key is given.
    func reader(_ config: AuditConfig) throws -> AuditLogReader {
        AuditLogReader(directory: config.directory, sealing: try sealing())
    }

    func resolve() throws -> AuditConfig {
        if let auditDir { return AuditConfig(directory: auditDir) }
        if let dataDir { return try AuditConfig.parse([:], dataDirectory: dataDir) }
        if let config {
            let properties = try Self.readProperties(config)
            let dataDirectory = properties["log.dirs"]?.split(separator: ",").first.map(String.init)
                ?? properties["log.dir"] ?? "/tmp/kafka-logs"
            return try AuditConfig.parse(properties.filter { $0.key.hasPrefix("bulwark.audit.") }, dataDirectory: dataDirectory)
        }
        throw ValidationError("give --data-dir, --config or --audit-dir")
    }

    /// Java-properties lines `key=value` or `key: value`; `#` and `!` start comments.
    static func readProperties(_ path: String) throws -> [String: String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ValidationError("cannot read \(path)")
        }
        var out: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#"), !trimmed.hasPrefix("!"),
                  let sep = trimmed.firstIndex(where: { $0 == "=" || $0 == ":" }) else { continue }
            out[trimmed[..<sep].trimmingCharacters(in: .whitespaces)] = trimmed[trimmed.index(after: sep)...].trimmingCharacters(in: .whitespaces)
        }
        return out
    }
}

/// The filters shared by query, tail, stats and export.
struct AuditFilterOptions: ParsableArguments {
    @Option(help: "From this time: ISO 8601 (2026-11-25T10:00:00Z), epoch milliseconds, or an age (30m, 2h, 7d).") var since: String?
    @Option(help: "Before this time (same forms as --since).") var until: String?
    @Option(help: "Principal (bob means User:bob).") var principal: String?
    @Option(help: "Resource as type:pattern, * and ? wildcards (topic:orders*).") var resource: String?
    @Option(help: "Access type (read, write, describe, …).") var access: String?
    @Option(help: "allowed or denied.") var result: String?
    @Option(help: "Deciding policy id.") var policy: String?
    @Option(help: "Kafka API name (Produce, Fetch, …).") var api: String?
    @Option(help: "Client address or network (CIDR).") var clientIp: String?
    @Option(help: "Tenant.") var tenant: String?
    @Option(help: "Event kind (authentication, authorization, admin, recordSummary, lifecycle, auditLog).") var kind: String?

    func query(now: Date = Date()) throws -> AuditQuery {
        var q = AuditQuery()
        if let since { q.since = try AuditTimeParser.parse(since, now: now) }
        if let until { q.until = try AuditTimeParser.parse(until, now: now) }
        q.principal = principal
        q.resource = resource
        q.access = access
        if let result {
            switch result.lowercased() {
            case "allowed": q.result = .allowed
            case "denied": q.result = .denied
            default: throw ValidationError("--result must be allowed or denied")
            }
        }
        q.policy = policy
        q.api = api
        if let clientIp {
            do { q.clientNetwork = try AuditCIDR(clientIp) } catch { throw ValidationError("--client-ip: \(error.message)") }
        }
        q.tenant = tenant
        if let kind {
            guard let k = AuditEventKind(name: kind) else { throw ValidationError("--kind: unknown kind \(kind)") }
            q.kind = k
        }
        return q
    }
}

enum AuditTimeParser {
    static func parse(_ text: String, now: Date) throws -> Int64 {
        if let ms = Int64(text) { return ms }
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        if let unit = text.last.flatMap({ units[$0] }), let n = Double(text.dropLast()) {
            return Int64((now.timeIntervalSince1970 - n * unit) * 1000)
        }
        let iso = ISO8601DateFormatter()
        if let date = iso.date(from: text) { return Int64(date.timeIntervalSince1970 * 1000) }
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = iso.date(from: text) { return Int64(date.timeIntervalSince1970 * 1000) }
        throw ValidationError("cannot read the time \(text): use ISO 8601, epoch milliseconds or an age like 2h")
    }

    static func format(_ ms: Int64) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }
}

func auditFail(_ message: String) -> ExitCode {
    FileHandle.standardError.write(Data("bulwark audit: \(message)\n".utf8))
    return ExitCode(1)
}
