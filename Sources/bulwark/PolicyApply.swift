import ArgumentParser
import Foundation
import NIOHTTP1

/// `bulwark policy apply FILE`: puts a policy file in force on a running broker through
/// its admin listener, as a broker user with delegated-admin rights over what it changes.
struct PolicyApply: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Put a policy file in force on a running broker (or remove one with --delete).",
        discussion: """
            The broker checks the whole set loads and that --user holds delegated-admin rights \
            (Ranger's delegateAdmin) over every policy the file adds, changes or removes; super \
            users may change anything. The password is read from --password-file (or \
            BULWARK_ADMIN_PASSWORD), never from the command line. Exit 1 when refused.
            """
    )

    @Argument(help: "The policy file to apply (its name is the file name in the broker's policy directory).")
    var file: String?
    @Option(help: "Remove this policy file from the broker's policy directory instead.") var delete: String?
    @Option(help: "Name the file differently in the policy directory.") var name: String?
    @Option(help: "The broker's admin listener, e.g. https://127.0.0.1:9644.") var adminUrl: String
    @Option(help: "The broker user (SCRAM) to authenticate as.") var user: String
    @Option(help: "A file holding the user's password.") var passwordFile: String?
    @Option(help: "CA certificate (PEM) that signed the admin listener's certificate.") var caFile: String?

    func run() async throws {
        guard (file == nil) != (delete == nil) else { throw ValidationError("give a FILE to apply or --delete NAME, not both") }
        guard let url = URL(string: adminUrl) else { throw ValidationError("--admin-url is not a URL") }
        let password = try readPassword()
        let target = delete ?? name ?? (file! as NSString).lastPathComponent
        var body: [UInt8] = []
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
            body = Array(data)
        }
        let credential = "Basic " + Data((user + ":" + password).utf8).base64EncodedString()
        let encoded = target.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? target
        let response: AdminHTTPClient.Response
        do {
            response = try await AdminHTTPClient(url: url, caFile: caFile)
                .send(method: delete == nil ? .PUT : .DELETE, path: "/v1/policies/" + encoded, authorization: credential, body: body)
        } catch {
            writeStandardError("error: cannot reach \(adminUrl): \(error)")
            throw ExitCode(2)
        }
        guard response.status == 200 else {
            writeStandardError("refused (HTTP \(response.status)): \(response.body.trimmingCharacters(in: .whitespacesAndNewlines))")
            throw ExitCode(1)
        }
        print(response.body.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    private func readPassword() throws -> String {
        if let passwordFile {
            guard let data = FileManager.default.contents(atPath: passwordFile) else { throw ValidationError("cannot read \(passwordFile)") }
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
        }
        if let password = ProcessInfo.processInfo.environment["BULWARK_ADMIN_PASSWORD"] { return password }
        throw ValidationError("give --password-file or set BULWARK_ADMIN_PASSWORD")
    }
}
