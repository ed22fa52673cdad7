import ArgumentParser
import Broker
import Foundation

/// `bulwark doctor`: the insecure settings of a configuration and its data directory, each
/// with a severity and the fix. Exits 1 when any finding is high.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Report insecure settings in a configuration and data directory (exit 1 on a high-severity finding).")

    @Option(name: .long, help: "A server.properties file.")
    var config: String?

    @Option(name: .customLong("override"), help: "KEY=VALUE, applied after the file (repeatable).")
    var overrides: [String] = []

    @Option(name: .customLong("data-dir"), help: "The data directory (default: log.dirs from the configuration).")
    var dataDirectory: String?

    func run() async throws {
        var props = try loadProperties(config: config, overrides: overrides)
        if let dataDirectory { props.set("log.dirs", dataDirectory) }
        let doctor = SecurityDoctor(props: props, configFile: config)
        let findings = doctor.run()
        var out = ""
        for f in findings {
            out += "\(f.severity.rawValue.uppercased().padding(toLength: 6, withPad: " ", startingAt: 0)) \(f.id)  \(f.subject)\n"
            out += "       \(f.problem)\n       fix: \(f.fix)\n"
        }
        let high = findings.filter { $0.severity == .high }.count
        let medium = findings.filter { $0.severity == .medium }.count
        out += findings.isEmpty
            ? "no insecure settings found in \(config ?? "the defaults") (data directory \(doctor.dataDirectory))\n"
            : "\(findings.count) finding(s): \(high) high, \(medium) medium, \(findings.count - high - medium) low\n"
        FileHandle.standardOutput.write(Data(out.utf8))
        if high > 0 { throw ExitCode(1) }
    }
}
