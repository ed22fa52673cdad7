import ArgumentParser
import BrokerSecurity
import Foundation

/// `bulwark users add|remove|list`: SCRAM credentials in `<data-dir>/meta/scram-credentials`.
struct Users: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage SCRAM users (salted credentials; passwords are never stored).",
        subcommands: [Add.self, Remove.self, List.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a user, or replace its credential for a mechanism.")

        @Argument(help: "The user name.") var name: String
        @Option(help: "SCRAM-SHA-256 or SCRAM-SHA-512.") var mechanism: String = "SCRAM-SHA-512"
        @Option(help: "PBKDF2 iterations (4096-16384).") var iterations: Int = 8192
        @Flag(help: "Read the password from standard input (the first line).") var passwordStdin = false
        @Option(help: "The broker's data directory (log.dirs).") var dataDir: String

        func run() throws {
            guard let algorithm = ScramAlgorithm(mechanism: mechanism) else {
                throw ValidationError("--mechanism must be SCRAM-SHA-256 or SCRAM-SHA-512")
            }
            guard passwordStdin else { throw ValidationError("give the password on standard input with --password-stdin") }
            guard var password = readLine(strippingNewline: true), !password.isEmpty else {
                throw ValidationError("no password on standard input")
            }
            defer { password = "" }
            let store = try CredentialStore(path: CredentialStore.path(dataDirectory: dataDir))
            try store.upsert(user: name, credential: try ScramCredential.make(password: Array(password.utf8), algorithm: algorithm,
                                                                              iterations: iterations))
            print("user \(name): \(algorithm.rawValue) credential stored (\(iterations) iterations)")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a user's credentials.")

        @Argument(help: "The user name.") var name: String
        @Option(help: "Only this mechanism (default: all).") var mechanism: String?
        @Option(help: "The broker's data directory (log.dirs).") var dataDir: String

        func run() throws {
            var algorithm: ScramAlgorithm? = nil
            if let mechanism {
                guard let a = ScramAlgorithm(mechanism: mechanism) else {
                    throw ValidationError("--mechanism must be SCRAM-SHA-256 or SCRAM-SHA-512")
                }
                algorithm = a
            }
            let store = try CredentialStore(path: CredentialStore.path(dataDirectory: dataDir))
            let removed = try store.remove(user: name, algorithm: algorithm)
            guard removed > 0 else {
                FileHandle.standardError.write(Data("bulwark: no such user \(name)\n".utf8))
                throw ExitCode(1)
            }
            print("user \(name): \(removed) credential(s) removed")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users, mechanisms and iterations (no secrets).")

        @Option(help: "The broker's data directory (log.dirs).") var dataDir: String

        func run() throws {
            let store = try CredentialStore(path: CredentialStore.path(dataDirectory: dataDir))
            for entry in store.list() {
                print("\(entry.user)\t\(entry.algorithm.rawValue)\titerations=\(entry.iterations)")
            }
        }
    }
}
