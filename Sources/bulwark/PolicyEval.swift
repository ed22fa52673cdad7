import ArgumentParser
import Foundation
import PolicyEngine

/// `bulwark policy eval`: Ranger access requests as JSON lines in, results out.
struct PolicyEval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate Ranger access requests (JSON lines on stdin) against a ServicePolicies JSON.",
        discussion: """
        Each input line: {"resource": {"elements": {...}}, "accessType": ..., "user": ..., "userGroups": [...], \
        "userRoles": [...], "clientIPAddress": ..., "accessTime": ..., "context": {...}, "resourceMatchingScope": ..., \
        "policyType": 0|1|2}. Each output line: isAllowed, isAudited, policyId (-1: none), reason, and filterExpr or \
        maskType/maskCondition/maskedValue for row-filter and data-mask requests. A bad line gives {"error": ...} \
        and exit status 1 at the end.
        """
    )

    @Option(name: .customLong("policies"), help: "Ranger ServicePolicies JSON (serviceName, serviceDef, policies, securityZones, auditMode).")
    var policies: String
    @Option(help: "Roles and groups: a principals file (userGroups, rangerRoles).") var roles: String?
    @Option(help: "Comma-separated super users.") var superUsers: String?
    @Option(help: "Comma-separated super groups.") var superGroups: String?

    func run() throws {
        let snapshot: PolicySnapshot
        do {
            snapshot = try PolicyFiles.snapshot([policies] + (roles.map { [$0] } ?? []),
                                                superUsers: PolicyFiles.commaList(superUsers), superGroups: PolicyFiles.commaList(superGroups))
        } catch let error as PolicyCLIError {
            writeStandardError(error.description)
            throw ExitCode(1)
        }
        let evaluator = PolicyEvaluator(snapshot: snapshot)
        var failures = 0
        var lineNumber = 0
        while let line = readLine(strippingNewline: true) {
            lineNumber += 1
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let output: [String: Any]
            do {
                let parsed = try RangerAccessRequestJSON.parse(Data(line.utf8))
                output = evaluator.authorize([parsed.request], principal: parsed.principal, clientAddress: parsed.clientAddress,
                                             now: parsed.accessTime ?? Date())[0].rangerResultJSON
            } catch {
                failures += 1
                output = ["error": "line \(lineNumber): \(error)"]
            }
            let data = (try? JSONSerialization.data(withJSONObject: output, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
            FileHandle.standardOutput.write(data + Data("\n".utf8))
        }
        if failures > 0 { throw ExitCode(1) }
    }
}
