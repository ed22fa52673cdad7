import ArgumentParser
import Foundation
import PolicyEngine

/// `bulwark policy explain`: why a principal was allowed or denied.
struct PolicyExplain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explain a decision: the deciding policy and item, and every other policy that matched.",
        discussion: "Example: bulwark policy explain Policies/ --user alice --access consume --resource topic=orders"
    )

    @Argument(help: "Policy files or directories.") var paths: [String]
    @Option(help: "The user (short name, or a Kafka principal such as User:alice).") var user: String
    @Option(name: .customLong("group"), help: "A group the user is in (repeatable).") var groups: [String] = []
    @Option(name: .customLong("role"), help: "A role the user holds (repeatable).") var roles: [String] = []
    @Option(help: "The access type (consume, publish, describe, …).") var access: String
    @Option(name: .customLong("resource"), help: "A resource element, name=value (repeatable), e.g. topic=orders.")
    var resources: [String] = []
    @Option(help: "The client address, for ip-range conditions.") var clientIp: String?
    @Option(help: "Comma-separated super users.") var superUsers: String?

    func run() throws {
        var resource: [String: String] = [:]
        for element in resources {
            guard let equals = element.firstIndex(of: "=") else { throw ValidationError("--resource \(element): expected name=value") }
            resource[String(element[..<equals])] = String(element[element.index(after: equals)...])
        }
        let snapshot: PolicySnapshot
        do {
            snapshot = try PolicyFiles.snapshot(paths, superUsers: PolicyFiles.commaList(superUsers))
        } catch let error as PolicyCLIError {
            writeStandardError(error.description)
            throw ExitCode(1)
        }
        let principal = Principal(kafkaPrincipal: user, groups: groups, roles: roles)
        let e = PolicyEvaluator(snapshot: snapshot, cacheCapacity: 0)
            .explain(AccessRequest(resource: resource, accessType: access), principal: principal, clientAddress: clientIp)
        print((e.decision.isAllowed ? "ALLOWED: " : "DENIED: ") + e.decision.reason)
        print("  \(principal.user) is in groups [\(e.groups.joined(separator: ", "))] and roles [\(e.roles.joined(separator: ", "))]")
        if e.steps.isEmpty {
            print("  no policy's resources match")
        } else {
            print("  policies whose resources match, in evaluation order:")
            for step in e.steps {
                let name = step.policyName.isEmpty ? "" : " (\(step.policyName))"
                print("    policy \(step.policyId)\(name) [\(step.source), priority \(step.priority)]: \(step.outcome)")
            }
        }
    }
}
