import ArgumentParser
import AuditLog
import Broker
import Foundation
import Synchronization

/// The two ways a mutating `bulwark keys` command runs: handed to the running broker
/// through its mailbox, or done here on a stopped broker's data directory, with the
/// same audit event either way.
enum KeysBrokerRequest {
    static var osUser: String {
        if let name = getpwuid(geteuid())?.pointee.pw_name { return String(cString: name) }
        return "uid:\(geteuid())"
    }

    /// Asks the running broker and prints its answer; throws if it failed or did not answer.
    static func ask(_ request: KeyAdminMailbox.Request, keys: KeyOptions, timeoutSeconds: Int) throws -> KeyAdminMailbox.Result {
        try KeyAdminMailbox.submit(request, dataDirectory: keys.dataDir)
        print("a broker is running on \(keys.dataDir): request \(request.id) handed to it")
        guard let result = KeyAdminMailbox.awaitResult(id: request.id, dataDirectory: keys.dataDir, timeout: .seconds(timeoutSeconds)) else {
            throw ValidationError(
                "the broker did not answer request \(request.id) within \(timeoutSeconds) s (it may still be working; see its log)")
        }
        return result
    }

    /// When a broker runs on the data directory, hands it `request`, prints its answer and
    /// returns true (throwing its refusal); false when the command must do the work itself.
    static func handOffIfRunning(_ request: KeyAdminMailbox.Request, keys: KeyOptions) throws -> Bool {
        guard keys.brokerIsRunning else { return false }
        let result = try ask(request, keys: keys, timeoutSeconds: 60)
        guard result.ok else { throw ValidationError(result.message) }
        print(result.message)
        return true
    }

    /// Writes the operation's admin event to the audit log of a stopped broker and waits
    /// until it is durable. `auditDirectory` defaults to `<data-dir>/audit`.
    static func auditOffline(_ event: AuditEvent, dataDirectory: String, auditDirectory: String?) throws {
        let config = try auditDirectory.map { AuditConfig(directory: $0) } ?? AuditConfig.parse([:], dataDirectory: dataDirectory)
        let writer = try AuditLogWriter(config: config)
        defer { writer.close() }
        let ticket = writer.record(event)
        let done = DispatchSemaphore(value: 0)
        let failure = Mutex<String?>(nil)
        Task {
            do { try await writer.waitDurable(ticket) } catch { failure.withLock { $0 = "\(error)" } }
            done.signal()
        }
        done.wait()
        if let failure = failure.withLock({ $0 }) { throw ValidationError("the audit event could not be written: \(failure)") }
    }
}
