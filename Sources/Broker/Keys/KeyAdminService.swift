import AuditLog
import EnvelopeCrypto
import Foundation
import Logging
import LogStorage

/// Carries out `bulwark keys` requests inside the running broker (see
/// `KeyAdminMailbox`): re-encryption online, shredding and KEK rotation on the
/// keyring the broker already holds. Each one is an audit `admin` event, persisted
/// before the CLI is told it is done.
struct KeyAdminService: Sendable {
    let state: BrokerState

    /// Polls the mailbox until cancelled. Requests run one after another.
    func run(every interval: Duration = .milliseconds(250)) async {
        while !Task.isCancelled {
            for (path, request) in KeyAdminMailbox.pending(dataDirectory: state.config.logDir) {
                try? FileManager.default.removeItem(atPath: path)
                let stem = String(path.split(separator: "/").last!.dropLast(".request".count))
                guard let request, request.id == stem, request.id.utf8.allSatisfy({ $0 == 0x2D || isalnum(Int32($0)) != 0 }) else {
                    state.logger.warning("ignoring an unreadable key request", metadata: ["file": "\(path)"])
                    continue
                }
                let result = await handle(request)
                KeyAdminMailbox.answer(request.id, result, dataDirectory: state.config.logDir)
            }
            try? await Task.sleep(for: interval)
        }
    }

    func handle(_ request: KeyAdminMailbox.Request) async -> KeyAdminMailbox.Result {
        guard let keyring = state.logs.keyring else {
            return .init(ok: false, message: "this broker has no master key configured (bulwark.encryption.*)")
        }
        let result: KeyAdminMailbox.Result
        switch request.operation {
        case .reencrypt:
            let work = request.reencrypt ?? ReencryptRequest()
            let logs = state.logs
            let logger = state.logger
            result = await Self.onOwnThread { () -> KeyAdminMailbox.Result in
                do throws(StorageError) {
                    let report = try logs.reencrypt(work) { line in logger.info("\(line)") }
                    return .init(ok: report.failures.isEmpty, message: report.failures.isEmpty ? "done" : "some segments failed", report: report)
                } catch {
                    return .init(ok: false, message: error.message)
                }
            }
        case .shred, .rotateKEK:
            guard let scope = request.scope else { return .init(ok: false, message: "no topic or tenant given") }
            if case .tenant(let tenant) = scope, !keyring.holdsKeys(for: scope) {
                return .init(ok: false, message: KeyScopeNames.noTenantKeys(tenant))
            }
            do throws(EnvelopeError) {
                if request.operation == .shred {
                    try keyring.shred(scope)
                    state.logger.warning("keys shredded: the scope's sealed data can no longer be read", metadata: ["scope": "\(scope)"])
                    result = .init(ok: true, message: "\(scope): keys shredded; its sealed data can no longer be read")
                } else {
                    let version = try keyring.rotateKEK(for: scope)
                    result = .init(ok: true, message: "\(scope): KEK rotated to version \(version); DEKs re-wrapped")
                }
            } catch {
                result = .init(ok: false, message: error.message)
            }
        }
        await audit(request, result)
        return result
    }

    /// The admin audit event of a request, waited for until durable.
    private func audit(_ request: KeyAdminMailbox.Request, _ result: KeyAdminMailbox.Result) async {
        let event = request.auditEvent(ok: result.ok, message: result.message)
        guard let writer = state.audit.writer else { return }
        let ticket = writer.record(event)
        do {
            try await writer.waitDurable(ticket)
        } catch {
            state.logger.error("the audit event of a key operation could not be persisted", metadata: ["error": "\(error)"])
        }
    }

    /// Runs blocking work (re-encryption sleeps to keep its rate) on a thread of its own,
    /// not on one of the few cooperative threads that serve requests.
    static func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: body()) }
            thread.name = "bulwark-keys"
            thread.start()
        }
    }
}
