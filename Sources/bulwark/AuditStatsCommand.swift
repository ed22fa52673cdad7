import ArgumentParser
import AuditLog
import Foundation

/// `bulwark audit stats`: top denied principals and resources, and events per hour.
struct AuditStatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Top denied principals and resources, and a per-hour histogram.")

    @OptionGroup var location: AuditLocationOptions
    @OptionGroup var filters: AuditFilterOptions
    @Option(help: "How many principals and resources to list.") var top: Int = 10
    @Option(help: "Histogram bar width in characters.") var width: Int = 50

    func run() throws {
        let config = try location.resolve()
        var deniedPrincipals: [String: UInt64] = [:]
        var deniedResources: [String: UInt64] = [:]
        var hours: [Int64: (allowed: UInt64, denied: UInt64)] = [:]
        var total: UInt64 = 0
        do {
            try location.reader(config).query(try filters.query()) { r in
                let e = r.event
                let n = UInt64(max(e.count, 1))
                total += n
                let hour = e.time / 3_600_000
                var h = hours[hour] ?? (0, 0)
                if e.result == .denied {
                    h.denied += n
                    deniedPrincipals[e.principal.isEmpty ? "(none)" : e.principal, default: 0] += n
                    if !e.resourceName.isEmpty { deniedResources[e.resource, default: 0] += n }
                } else {
                    h.allowed += n
                }
                hours[hour] = h
                return true
            }
        } catch let error as AuditLogError {
            throw auditFail(error.message)
        }
        print("events: \(total) (summarised events counted by their count)")
        print("\ntop denied principals:")
        for (name, n) in deniedPrincipals.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }).prefix(top) {
            print("  \(String(n).padding(toLength: 10, withPad: " ", startingAt: 0)) \(name)")
        }
        print("\ntop denied resources:")
        for (name, n) in deniedResources.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }).prefix(top) {
            print("  \(String(n).padding(toLength: 10, withPad: " ", startingAt: 0)) \(name)")
        }
        print("\nevents per hour (█ allowed, ▒ denied):")
        let peak = hours.values.map { $0.allowed + $0.denied }.max() ?? 1
        for hour in hours.keys.sorted() {
            let h = hours[hour]!
            let a = Int((Double(h.allowed) / Double(peak) * Double(width)).rounded(.up))
            let d = Int((Double(h.denied) / Double(peak) * Double(width)).rounded(.up))
            let label = String(AuditTimeParser.format(hour * 3_600_000).prefix(13)) + "h"
            print("  \(label) \(String(repeating: "█", count: a))\(String(repeating: "▒", count: d)) \(h.allowed)/\(h.denied)")
        }
    }
}
