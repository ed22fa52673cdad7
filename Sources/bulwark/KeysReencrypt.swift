import ArgumentParser
import Broker
import EnvelopeCrypto
import Foundation
import Logging
import LogStorage

struct KeysReencrypt: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reencrypt",
        abstract: "Rewrite old segments under new DEKs (plaintext ones too), online, at a bounded rate.",
        discussion: """
            With the broker running, the broker does the work while it keeps serving: each \
            partition's active segment is rolled, then every closed segment holding plaintext \
            frames or frames under a DEK older than this run is rewritten beside itself and \
            swapped in (crash-safe at every step), reading at most --rate bytes per second. \
            When a topic is fully converted its old DEKs are destroyed. With the broker stopped, \
            this command does the same itself. Needs bulwark.encryption.enabled=true (the broker \
            seals new data) — for a stopped broker, the master key options.
            """)

    @OptionGroup var keys: KeyOptions
    @Option(name: .customLong("topic"), help: "A topic to convert (repeatable; default: every topic).") var topics: [String] = []
    @Option(help: "Bytes of old segments read per second, at most (suffixes k, m, g: 1024-based).") var rate: String = "16m"
    @Flag(help: "Only segments that still hold plaintext (turning encryption on later).") var plaintextOnly = false
    @Option(help: "Seconds to wait for a running broker to finish.") var timeout: Int = 86_400

    func run() throws {
        guard let bytesPerSecond = Self.parseRate(rate) else { throw ValidationError("--rate \(rate) is not a byte count like 8m") }
        let work = ReencryptRequest(topics: topics.isEmpty ? nil : topics, bytesPerSecond: bytesPerSecond, plaintextOnly: plaintextOnly)
        let request = KeyAdminMailbox.Request(operation: .reencrypt, reencrypt: work, requestedBy: KeysBrokerRequest.osUser)
        let report: ReencryptReport
        if keys.brokerIsRunning {
            let result = try KeysBrokerRequest.ask(request, keys: keys, timeoutSeconds: timeout)
            guard let answered = result.report else { throw ValidationError(result.message) }
            report = answered
        } else {
            report = try offline(work, request: request)
        }
        print(
            "re-encrypted \(report.segmentsRewritten) segments (\(report.bytesRead) bytes read, \(report.bytesWritten) written); \(report.segmentsCurrent) already current; \(report.dataKeysDestroyed) old DEKs destroyed"
        )
        for failure in report.failures { print("FAILED: \(failure)") }
        if !report.failures.isEmpty { throw ExitCode(1) }
    }

    /// The broker is stopped: open its log with the keyring and convert it here.
    private func offline(_ work: ReencryptRequest, request: KeyAdminMailbox.Request) throws -> ReencryptReport {
        let keyring = try keys.openKeyring()
        defer { keyring.close() }
        var logger = Logger(label: "bulwark.keys")
        logger.logLevel = .warning
        let logs: LogManager
        do throws(StorageError) {
            logs = try LogManager(
                directory: keys.dataDir + "/topics", defaults: LogConfig(), durability: .groupCommit, logger: logger,
                encryption: LogEncryption(keyring: keyring, sealNewBatches: true))
            try logs.open()
        } catch {
            throw ValidationError(error.message)
        }
        defer { logs.close() }
        do throws(StorageError) {
            let report = try logs.reencrypt(work) { print($0) }
            try? KeysBrokerRequest.auditOffline(
                request.auditEvent(ok: report.failures.isEmpty, message: "\(report.segmentsRewritten) segments re-encrypted"),
                dataDirectory: keys.dataDir, auditDirectory: nil)
            return report
        } catch {
            throw ValidationError(error.message)
        }
    }

    static func parseRate(_ text: String) -> Int64? {
        let lower = text.lowercased()
        let multipliers: [Character: Int64] = ["k": 1 << 10, "m": 1 << 20, "g": 1 << 30]
        if let last = lower.last, let multiplier = multipliers[last], let n = Int64(lower.dropLast()), n > 0 { return n * multiplier }
        if let n = Int64(lower), n > 0 { return n }
        return nil
    }
}
