import Foundation

/// Notices when a TLS listener's key store or trust store files change, by polling their
/// identity (inode, size, modification time). Polling rather than inotify: it also sees a
/// file replaced by `mv` or a symlink swap (Kubernetes secrets), costs a few stat() calls
/// every few seconds and needs no second wrapper around a kernel API.
///
/// A state machine: `poll(stat:)` takes the current fingerprints and says whether they
/// differ from the previous poll; the caller reloads. Tests feed fingerprints.
public struct CertificateWatcher: Sendable {
    public struct Fingerprint: Sendable, Hashable {
        public var inode: UInt64
        public var size: Int64
        public var modifiedNanoseconds: Int64
        public init(inode: UInt64, size: Int64, modifiedNanoseconds: Int64) {
            self.inode = inode
            self.size = size
            self.modifiedNanoseconds = modifiedNanoseconds
        }
    }

    public let paths: [String]
    private var last: [String: Fingerprint?]

    /// `stat` gives the fingerprint of a path, nil when it cannot be read (missing).
    public init(paths: [String], stat: (String) -> Fingerprint? = CertificateWatcher.fingerprint) {
        self.paths = paths
        last = Dictionary(uniqueKeysWithValues: paths.map { ($0, stat($0)) })
    }

    /// True when any file changed (or appeared, or vanished) since the previous poll.
    public mutating func poll(stat: (String) -> Fingerprint? = CertificateWatcher.fingerprint) -> Bool {
        var changed = false
        for path in paths {
            let now = stat(path)
            if last[path] != .some(now) {
                changed = true
                last[path] = .some(now)
            }
        }
        return changed
    }

    /// The path's fingerprint, following symlinks (a swapped link target counts as a change).
    public static func fingerprint(_ path: String) -> Fingerprint? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Fingerprint(inode: UInt64(st.st_ino), size: Int64(st.st_size),
                           modifiedNanoseconds: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec))
    }
}
