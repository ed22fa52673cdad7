import ArgumentParser
import Foundation
import PolicyEngine

/// `bulwark policy diff A B`: which decisions change.
struct PolicyDiff: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "List the principal × resource × access decisions that differ between two policy sets.",
        discussion: "Covers every user, group, role and resource value named in either set. Exits 1 when something changes."
    )

    @Argument(help: "The policy set before (file or directory).") var before: String
    @Argument(help: "The policy set after (file or directory).") var after: String

    func run() throws {
        let changes: [DecisionChange]
        do {
            let a = try PolicyFiles.snapshot([before]), b = try PolicyFiles.snapshot([after])
            changes = try a.diff(to: b)
        } catch let error as PolicyCLIError {
            writeStandardError(error.description)
            throw ExitCode(2)
        } catch {
            writeStandardError("error: \(error)")
            throw ExitCode(2)
        }
        for change in changes { print(change) }
        print("\(changes.count) decisions change")
        if !changes.isEmpty { throw ExitCode(1) }
    }
}
