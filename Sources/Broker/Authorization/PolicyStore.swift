import AuditLog
import Foundation
import Logging
import PolicyEngine
import Synchronization

/// The policies in force: the `*.json` files of the policy directory (Ranger policy sets
/// and principals files) plus the Kafka ACLs, loaded into one `PolicySnapshot`.
///
/// A change is loaded whole and swapped in atomically; a file that fails to load is
/// rejected with the engine's precise error and the previous snapshot stays in force.
/// Every accepted change gets the next version. Handlers read `evaluator` per request,
/// so open connections see a change at their next request.
final class PolicyStore: Sendable {
    let directory: String?
    let acls: AclStore
    /// The configured super users (short names).
    let superUsers: Set<String>
    private let audit: BrokerAudit
    private let logger: Logger
    private let state: Mutex<State>

    private struct State {
        var evaluator: PolicyEvaluator
        /// The files of the snapshot in force, so an ACL change rebuilds from them rather
        /// than re-reading the directory (where a rejected file may now sit).
        var files: [PolicyFile]
        var stamps: [String: FileStamp]
        var version: Int64
    }

    /// Fails (and the broker refuses to start) when the files or the ACLs do not load.
    init(directory: String?, acls: AclStore, superUsers: Set<String>, audit: BrokerAudit, logger: Logger) throws {
        self.directory = directory
        self.audit = audit
        self.acls = acls
        self.superUsers = Set(superUsers.map { $0.hasPrefix("User:") ? String($0.dropFirst(5)) : $0 })
        self.logger = logger
        let (files, stamps) = try Self.read(directory)
        let snapshot = try PolicySnapshot.load(files: files, kafkaAcls: acls.all, superUsers: self.superUsers, version: 1)
        state = Mutex(State(evaluator: PolicyEvaluator(snapshot: snapshot), files: files, stamps: stamps, version: 1))
        BrokerMetrics.policyVersion(1)
    }

    var evaluator: PolicyEvaluator { state.withLock { $0.evaluator } }

    /// The files of the snapshot in force.
    var filesInForce: [PolicyFile] { state.withLock { $0.files } }

    /// One `apply` at a time: each checks against the set the previous one put in force.
    let applyLock = Mutex(())

    /// Re-reads the directory if any file was added, removed or changed. Returns the new
    /// version when a change was accepted.
    @discardableResult
    func reloadIfChanged() -> Int64? {
        let stamps = Self.stamps(directory)
        guard stamps != state.withLock({ $0.stamps }) else { return nil }
        do {
            let (files, readStamps) = try Self.read(directory)
            let bindings = acls.all
            return try state.withLock { s in try install(&s, files: files, stamps: readStamps, acls: bindings) }
        } catch {
            // Remember the stamps so one bad file is reported once, not every poll.
            state.withLock { $0.stamps = stamps }
            BrokerMetrics.policyReloadFailed()
            logger.error("policy reload rejected; the previous policies stay in force",
                         metadata: ["directory": "\(directory ?? "-")", "error": "\(error)"])
            audit.lifecycle("reload-policies", reason: "rejected: \(error)", result: .denied)
            return nil
        }
    }

    /// Builds a snapshot with `acls` in place of the stored ones and installs it; throws
    /// (installing nothing) when it does not load. The ACL store calls this before saving.
    func install(acls: [KafkaAclBinding]) throws {
        try state.withLock { s in try install(&s, files: s.files, stamps: s.stamps, acls: acls) }
    }

    /// Loads a snapshot and puts it in force with the next version; throws (changing
    /// nothing) when it does not load. Called with the state's lock held.
    @discardableResult
    private func install(_ s: inout State, files: [PolicyFile], stamps: [String: FileStamp],
                         acls: [KafkaAclBinding]) throws -> Int64 {
        let version = s.version + 1
        let snapshot = try PolicySnapshot.load(files: files, kafkaAcls: acls, superUsers: superUsers, version: version)
        let before = s.version == 0 ? "" : Self.auditDescription(version: s.version, files: s.files)
        s = State(evaluator: PolicyEvaluator(snapshot: snapshot), files: files, stamps: stamps, version: version)
        BrokerMetrics.policyVersion(version)
        logger.info("policies loaded", metadata: ["version": "\(version)", "policies": "\(snapshot.policyCount)",
                                                  "acls": "\(acls.count)"])
        audit.lifecycle("reload-policies", reason: "version \(version): \(snapshot.policyCount) policies, \(acls.count) ACLs",
                        before: before, after: Self.auditDescription(version: version, files: files))
        return version
    }

    /// The policy files in force, for the audit log's before/after: each file's name and
    /// SHA-256 (the contents can be large; the digest names the exact version).
    static func auditDescription(version: Int64, files: [PolicyFile]) -> String {
        (["version=\(version)"] + files.sorted { $0.name < $1.name }.map { "\($0.name) sha256=\(AuditDigest.sha256Hex($0.contents))" })
            .joined(separator: "\n")
    }

    /// Polls the directory until cancelled; a change reaches open connections within one
    /// interval.
    func watch(every interval: Duration) async {
        guard directory != nil else { return }
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            reloadIfChanged()
        }
    }

    // MARK: - Files

    struct FileStamp: Hashable, Sendable {
        var inode: UInt64
        var size: Int64
        var mtimeNs: Int64
    }

    private static func policyFileNames(_ directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted()
    }

    private static func stamps(_ directory: String?) -> [String: FileStamp] {
        guard let directory else { return [:] }
        var out: [String: FileStamp] = [:]
        for name in policyFileNames(directory) {
            var st = stat()
            guard stat(directory + "/" + name, &st) == 0 else { continue }
            out[name] = FileStamp(inode: UInt64(st.st_ino), size: Int64(st.st_size),
                                  mtimeNs: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec))
        }
        return out
    }

    private static func read(_ directory: String?) throws -> ([PolicyFile], [String: FileStamp]) {
        guard let directory else { return ([], [:]) }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw AuthorizationSetupError(message: "policy directory \(directory) does not exist")
        }
        let before = stamps(directory)
        var files: [PolicyFile] = []
        for name in policyFileNames(directory) {
            guard let data = FileManager.default.contents(atPath: directory + "/" + name) else {
                throw AuthorizationSetupError(message: "cannot read policy file \(directory)/\(name)")
            }
            files.append(PolicyFile(name: name, contents: data))
        }
        return (files, before)
    }
}
