import ArgumentParser
import Broker
import EnvelopeCrypto

struct KeysShred: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shred",
        abstract: "Destroy a topic's keys: its data becomes unreadable for good (consumers get CORRUPT_MESSAGE). Audited.",
        discussion: """
            With the broker running, the broker shreds (its partitions stop sealing under the \
            destroyed keys at once) and records the audit event; with it stopped, this command \
            does both (the event goes to --audit-dir, default <data-dir>/audit). Backups taken \
            before the shred still hold the keys: destroy them too.
            """)

    @OptionGroup var keys: KeyOptions
    @Option(help: "The topic whose keys to destroy.") var topic: String?
    @Option(help: "A tenant's keys (tenants do not exist yet; refused unless the store holds keys of that tenant).") var tenant: String?
    @Option(help: "The audit directory when the broker is stopped (default: <data-dir>/audit).") var auditDir: String?
    @Flag(help: "Confirm: this cannot be undone.") var yes = false

    func run() throws {
        guard (topic == nil) != (tenant == nil) else { throw ValidationError("give exactly one of --topic and --tenant") }
        guard yes else { throw ValidationError("shredding cannot be undone; add --yes to confirm") }
        let request = KeyAdminMailbox.Request(operation: .shred, topic: topic, tenant: tenant, requestedBy: KeysBrokerRequest.osUser)
        if try KeysBrokerRequest.handOffIfRunning(request, keys: keys) { return }
        let keyring = try keys.openKeyring()
        defer { keyring.close() }
        let scope = request.scope!
        if let tenant, !keyring.holdsKeys(for: scope) { throw ValidationError(KeyScopeNames.noTenantKeys(tenant)) }
        do throws(EnvelopeError) {
            try keyring.shred(scope)
        } catch {
            try? KeysBrokerRequest.auditOffline(
                request.auditEvent(ok: false, message: error.message), dataDirectory: keys.dataDir, auditDirectory: auditDir)
            throw ValidationError(error.message)
        }
        let message = "\(scope): keys shredded; its sealed data can no longer be read"
        try KeysBrokerRequest.auditOffline(request.auditEvent(ok: true, message: message), dataDirectory: keys.dataDir, auditDirectory: auditDir)
        print(message)
    }
}

struct KeysRotateKEK: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-kek",
        abstract: "Make a new KEK version for a topic and re-wrap its DEKs under it (no data is rewritten; atomic).")

    @OptionGroup var keys: KeyOptions
    @Option(help: "The topic whose KEK to rotate.") var topic: String

    func run() throws {
        let request = KeyAdminMailbox.Request(operation: .rotateKEK, topic: topic, requestedBy: KeysBrokerRequest.osUser)
        if try KeysBrokerRequest.handOffIfRunning(request, keys: keys) { return }
        let keyring = try keys.openKeyring()
        defer { keyring.close() }
        do throws(EnvelopeError) {
            let version = try keyring.rotateKEK(for: .topic(topic))
            print("topic:\(topic): KEK rotated to version \(version); DEKs re-wrapped")
        } catch {
            throw ValidationError(error.message)
        }
    }
}
