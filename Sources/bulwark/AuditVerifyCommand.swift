import ArgumentParser
import AuditLog
import Foundation

/// `bulwark audit verify`: chain and signatures; exit 1 at the first bad sequence number.
struct AuditVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify", abstract: "Check the hash chain and signatures; exit 1 and name the first bad sequence number.")

    @OptionGroup var location: AuditLocationOptions
    @Option(help: "A trusted copy of the public key (PEM from export-key). Without it the key file next to the log is used, which proves less: whoever can rewrite the log may hold that key too.") var publicKey: String?
    @Option(help: "The signing key file, when --public-key is not given.") var keyFile: String?

    func run() throws {
        let config = try location.resolve()
        let key: AuditPublicKey
        do {
            if let publicKey {
                guard let text = try? String(contentsOfFile: publicKey, encoding: .utf8) else { throw auditFail("cannot read \(publicKey)") }
                key = try AuditPublicKey(pemOrHex: text)
            } else {
                key = try AuditSigningKey.load(path: keyFile ?? config.keyFile).publicKey
            }
            let report = try AuditVerifier.verify(directory: config.directory, publicKey: key, sealing: try location.sealing())
            for note in report.notes { print("note: \(note)") }
            if let bad = report.firstBadSequence {
                print("FAILED: first bad sequence number \(bad): \(report.problem ?? "")")
                print("verified before it: \(report.events) event(s), \(report.checkpoints) checkpoint(s) in \(report.segments) segment(s); last signed \(report.lastSignedSequence)")
                throw ExitCode(1)
            }
            print("OK: sequences \(report.firstSequence)..\(report.lastSequence), \(report.events) event(s), \(report.checkpoints) signed checkpoint(s), \(report.segments) segment(s); last signed \(report.lastSignedSequence)")
        } catch let error as AuditLogError {
            throw auditFail(error.message)
        }
    }
}
