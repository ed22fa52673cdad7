import AuditLog
import Foundation
import PolicyEngine

/// Why a policy change was refused, with what the admin path answers.
struct PolicyApplyError: Error, CustomStringConvertible {
    enum Kind { case invalid, forbidden, unavailable }
    var kind: Kind
    var message: String
    var description: String { message }
}

extension PolicyStore {
    /// Puts `contents` in force as the policy file `fileName` (nil removes it) on behalf of
    /// `principal`: the whole set must load, the principal must hold delegated-admin rights
    /// over every policy it adds, changes or removes (Ranger's rule), and the file is
    /// written atomically into the policy directory, where the usual reload picks it up.
    /// Returns the version now in force.
    func apply(fileName: String, contents: Data?, principal: String, audit: (String, String, String, AuditResult) -> Void)
        throws(PolicyApplyError) -> Int64 {
        guard let directory else {
            throw PolicyApplyError(kind: .unavailable, message: "the broker has no policy directory (bulwark.policy.dir)")
        }
        guard Self.isPlainFileName(fileName) else {
            throw PolicyApplyError(kind: .invalid, message: "a policy file name is letters, digits, '.', '_' or '-', ending in .json, not starting with '.'")
        }
        if let contents, String(validating: contents, as: UTF8.self) == nil {
            throw PolicyApplyError(kind: .invalid, message: "\(fileName) is not UTF-8")
        }
        return try applyLock.withLock { _ throws(PolicyApplyError) -> Int64 in
            let inForce = filesInForce
            let before = inForce.first { $0.name == fileName }?.contents
            var proposedFiles = inForce.filter { $0.name != fileName }
            if let contents { proposedFiles.append(PolicyFile(name: fileName, contents: contents)) }
            proposedFiles.sort { $0.name < $1.name }
            let current = evaluator.snapshot
            let proposed: PolicySnapshot
            do {
                proposed = try PolicySnapshot.load(files: proposedFiles, kafkaAcls: acls.all, superUsers: superUsers,
                                                   version: current.version + 1)
            } catch {
                audit(fileName, Self.summary(before), "rejected: \(error)", .denied)
                throw PolicyApplyError(kind: .invalid, message: "\(error)")
            }
            let refused = DelegatedAdmin.violations(principal: Principal(kafkaPrincipal: principal), current: current,
                                                    proposed: proposed, fileName: fileName, before: before, after: contents)
            guard refused.isEmpty else {
                audit(fileName, Self.summary(before), refused.joined(separator: "; "), .denied)
                throw PolicyApplyError(kind: .forbidden, message: refused.joined(separator: "\n"))
            }
            let path = directory + "/" + fileName
            do {
                if let contents {
                    try AtomicFile.write(String(decoding: contents, as: UTF8.self), to: URL(fileURLWithPath: path))
                } else if before != nil, unlink(path) != 0, errno != ENOENT {
                    throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
                }
            } catch {
                throw PolicyApplyError(kind: .unavailable, message: "cannot write \(path): \(error)")
            }
            let version = reloadIfChanged() ?? evaluator.snapshot.version
            audit(fileName, Self.summary(before), Self.summary(contents), .allowed)
            return version
        }
    }

    static func isPlainFileName(_ name: String) -> Bool {
        name.hasSuffix(".json") && !name.hasPrefix(".") && name.count <= 255
            && name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) }
    }

    /// What the audit log keeps of a file: its digest and size, not its text.
    static func summary(_ data: Data?) -> String {
        guard let data else { return "absent" }
        return "sha256:\(AuditDigest.sha256Hex(data)) (\(data.count) bytes)"
    }
}
