import ArgumentParser
import Foundation
import PolicyEngine

/// `bulwark policy validate PATH`: schema errors stop the load; lint findings follow.
struct PolicyValidate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check policy files: schema, unknown names, shadowed items, overlapping allow/deny, grants of everything to everyone.",
        discussion: "Exits 1 on any error (warnings alone exit 0)."
    )

    @Argument(help: "A policy file or a directory of *.json files (e.g. Policies/).") var path: String

    func run() throws {
        let snapshot: PolicySnapshot
        do {
            snapshot = try PolicyFiles.snapshot([path])
        } catch let error as PolicyCLIError {
            writeStandardError(error.description)
            throw ExitCode(1)
        }
        let findings = snapshot.lint()
        for finding in findings { print(finding) }
        let errors = findings.filter { $0.severity == .error }.count
        print("\(path): \(snapshot.policyCount) policies (service \(snapshot.serviceName), definition \(snapshot.serviceDef.name)), "
              + "\(errors) errors, \(findings.count - errors) warnings")
        if errors > 0 { throw ExitCode(1) }
    }
}
