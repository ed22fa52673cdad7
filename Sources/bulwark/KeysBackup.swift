import ArgumentParser
import Foundation
import EnvelopeCrypto

struct KeysBackup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the wrapped keys (never a plaintext key) to a 0600 file, after checking they all open.",
        discussion: "Works with the broker running or stopped. The master key is not in the backup: keep it apart.")

    @OptionGroup var keys: KeyOptions
    @Option(help: "The backup file to write (mode 0600).") var out: String

    func run() throws {
        do {
            let bytes = try KeyringBackup.make(directory: keys.keyDirectory, provider: try keys.provider())
            try KeyringBackup.write(bytes, to: out)
        } catch let error as EnvelopeError {
            throw ValidationError(error.message)
        }
        print("wrapped keys of \(keys.keyDirectory) written to \(out) (mode 0600)")
    }
}

struct KeysRestore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore wrapped keys from a backup, after checking they open under the current master key (broker stopped).",
        discussion: """
            Nothing is replaced unless every key in the backup opens under the master key given. \
            A scope shredded since the backup keeps its tombstone. A key file holding DEKs that \
            the backup lacks is refused (their data would become unreadable) unless --force.
            """)

    @OptionGroup var keys: KeyOptions
    @Argument(help: "The backup file.") var file: String
    @Flag(help: "Replace key files even where they hold DEKs the backup lacks.") var force = false

    func run() throws {
        _ = try keys.provider()  // exactly one master key source
        if keys.brokerIsRunning { throw ValidationError("a broker is running on \(keys.dataDir); stop it before restoring keys") }
        guard let bytes = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
        let outcome: KeyringBackup.RestoreOutcome
        do throws(EnvelopeError) {
            outcome = try KeyringBackup.restore(Array(bytes), into: keys.keyDirectory, force: force) { staging in
                (try? keys.provider(keyDirectory: staging)) ?? KeyFileMasterKeyProvider(path: "/nonexistent")
            }
        } catch {
            throw ValidationError(error.message)
        }
        print("restored \(outcome.restored.count) files into \(keys.keyDirectory): \(outcome.restored.joined(separator: ", "))")
        for name in outcome.keptShredded { print("kept the shred tombstone of \(name)") }
        for name in outcome.keptNotInBackup { print("kept \(name) (not in the backup)") }
        for name in outcome.keptCurrent { print("kept \(name) (it already holds every key of the backup)") }
    }
}
