import ArgumentParser
import AuditLog
import Foundation

/// `bulwark audit query`: matching events, oldest first.
struct AuditQueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "query", abstract: "Print the events that match the filters, oldest first.")

    @OptionGroup var location: AuditLocationOptions
    @OptionGroup var filters: AuditFilterOptions
    @Option(help: "table, json, csv or ocsf.") var format: AuditOutputFormat = .table
    @Option(help: "Stop after this many events.") var limit: Int?
    @Flag(help: "Print to stderr how many segments and blocks were read and skipped.") var explain = false

    func run() throws {
        let config = try location.resolve()
        let query = try filters.query()
        if let limit, limit <= 0 { throw ValidationError("--limit must be positive") }
        var printer = AuditPrinter(format: format)
        var printed = 0
        let stats: AuditScanStatistics
        do {
            stats = try location.reader(config).query(query) { record in
                printer.print(record)
                printed += 1
                return limit.map { printed < $0 } ?? true
            }
        } catch let error as AuditLogError {
            throw auditFail(error.message)
        }
        printer.flush()
        if explain {
            FileHandle.standardError.write(Data(("segments read \(stats.segments), skipped \(stats.segmentsSkipped); blocks read "
                + "\(stats.blocks), skipped \(stats.blocksSkipped); records examined \(stats.recordsExamined); printed \(printed)\n").utf8))
        }
    }
}

/// `bulwark audit export --format ocsf`: JSON lines for a SIEM.
struct AuditExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "Export matching events as OCSF JSON lines (API Activity 6003, Authentication 3002).")

    @OptionGroup var location: AuditLocationOptions
    @OptionGroup var filters: AuditFilterOptions
    @Option(help: "ocsf (OCSF 1.3 JSON lines) or json (Bulwark's own fields).") var format: AuditOutputFormat = .ocsf

    func run() throws {
        guard format == .ocsf || format == .json else { throw ValidationError("export writes --format ocsf or json") }
        let config = try location.resolve()
        var printer = AuditPrinter(format: format)
        do {
            try location.reader(config).query(try filters.query()) { printer.print($0); return true }
        } catch let error as AuditLogError {
            throw auditFail(error.message)
        }
        printer.flush()
    }
}

/// `bulwark audit export-key`: the public half of the signing key, for verifying elsewhere.
struct AuditExportKeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export-key", abstract: "Print the public key that verifies this log's signatures (PEM).")

    @OptionGroup var location: AuditLocationOptions
    @Option(help: "The signing key file (default: bulwark.audit.key.file, or signing.key in the audit directory).") var keyFile: String?

    func run() throws {
        let config = try location.resolve()
        do {
            let key = try AuditSigningKey.load(path: keyFile ?? config.keyFile)
            print(key.publicKey.pem, terminator: "")
        } catch {
            throw auditFail(error.message)
        }
    }
}
