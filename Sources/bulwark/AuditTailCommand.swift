import ArgumentParser
import AuditLog
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Set by SIGINT/SIGTERM so `tail -f` ends its polling loop cleanly.
nonisolated(unsafe) private var auditTailStop: sig_atomic_t = 0

/// `bulwark audit tail [-f]`: the last events, then (with -f) new ones as they arrive.
struct AuditTailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tail", abstract: "Print the last matching events; with -f keep printing new ones until interrupted.")

    @OptionGroup var location: AuditLocationOptions
    @OptionGroup var filters: AuditFilterOptions
    @Option(help: "table, json, csv or ocsf.") var format: AuditOutputFormat = .table
    @Option(name: [.short, .customLong("lines")], help: "How many past events to print first.") var lines: Int = 10
    @Flag(name: [.short, .long], help: "Follow: poll for new events until SIGINT.") var follow = false
    @Option(help: "Poll interval in milliseconds.") var pollMs: Int = 250
    @Option(help: "Stop following after this many seconds (default: until SIGINT).") var maxSeconds: Double?

    func run() throws {
        let config = try location.resolve()
        let query = try filters.query()
        guard lines >= 0, pollMs >= 10 else { throw ValidationError("--lines ≥ 0 and --poll-ms ≥ 10") }
        let reader = try location.reader(config)
        var printer = AuditPrinter(format: format)
        var recent: [AuditRecord] = []
        var next: UInt64 = 0
        do {
            try reader.query(query) { record in
                if lines > 0 {
                    recent.append(record)
                    if recent.count > lines { recent.removeFirst(recent.count - lines) }
                }
                return true
            }
            next = try reader.nextSequence()
        } catch let error as AuditLogError {
            throw auditFail(error.message)
        }
        for r in recent { printer.print(r) }
        printer.flush()
        guard follow else { return }

        signal(SIGINT) { _ in auditTailStop = 1 }
        signal(SIGTERM) { _ in auditTailStop = 1 }
        let deadline = maxSeconds.map { Date().addingTimeInterval($0) }
        while auditTailStop == 0 {  // bounded by SIGINT/SIGTERM or --max-seconds
            if let deadline, Date() >= deadline { break }
            usleep(useconds_t(pollMs * 1000))
            do {
                try reader.query(query, fromSequence: next) { record in
                    printer.print(record)
                    next = max(next, record.sequence + 1)
                    return true
                }
                // `next` moves only past what this poll printed: records appended after the
                // scan read the segment are picked up by the next poll.
            } catch let error as AuditLogError {
                // A segment deleted by retention between listing and reading: try again next poll.
                FileHandle.standardError.write(Data("bulwark audit: \(error.message)\n".utf8))
            }
            printer.flush()
        }
        printer.flush()
    }
}
