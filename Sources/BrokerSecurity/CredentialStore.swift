import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// SCRAM credentials by user and mechanism, kept in `<log.dirs>/meta/scram-credentials`:
/// salt, iterations, StoredKey and ServerKey, never a password. Every change replaces the
/// file atomically (write a temporary file with mode 0600, fsync, rename, fsync the directory).
public final class CredentialStore: ScramCredentialLookup, Sendable {
    public struct Key: Hashable, Sendable, Comparable {
        public var user: String
        public var algorithm: ScramAlgorithm
        public static func < (a: Key, b: Key) -> Bool {
            (a.user, a.algorithm.rawValue) < (b.user, b.algorithm.rawValue)
        }
    }

    public let path: String
    private let entries: Mutex<[Key: ScramCredential]>
    /// The file's identity when last read, so `bulwark users add` on a running broker is
    /// seen at the next authentication (every change is a rename, so the inode changes).
    private let loadedStamp: Mutex<FileStamp?>
    /// Keys the stand-in credentials of unknown users; random per process.
    public let fakeSecret: [UInt8]

    static let header = "# bulwark scram-credentials v1: base64(user) mechanism base64(salt) iterations base64(StoredKey) base64(ServerKey)"

    /// The store file under a data directory (`log.dirs`).
    public static func path(dataDirectory: String) -> String { dataDirectory + "/meta/scram-credentials" }

    /// Opens (or starts empty when the file does not exist) the store at `path`.
    public init(path: String) throws(SecurityError) {
        self.path = path
        var rng = SystemRandomNumberGenerator()
        fakeSecret = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let stamp = FileStamp(path: path)
        loadedStamp = Mutex(stamp)
        guard stamp != nil else {
            entries = Mutex([:])
            return
        }
        entries = Mutex(try Self.read(path))
    }

    static func read(_ path: String) throws(SecurityError) -> [Key: ScramCredential] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw SecurityError(.io, "cannot read \(path)")
        }
        return try parse(text, path: path)
    }

    /// Re-reads the file if another process replaced it; a bad file keeps what was loaded.
    private func refreshIfChanged() {
        let now = FileStamp(path: path)
        let changed = loadedStamp.withLock { stamp -> Bool in
            guard stamp != now else { return false }
            stamp = now
            return true
        }
        guard changed else { return }
        if now == nil {
            entries.withLock { $0 = [:] }
        } else if let fresh = try? Self.read(path) {
            entries.withLock { $0 = fresh }
        }
    }

    static func parse(_ text: String, path: String) throws(SecurityError) -> [Key: ScramCredential] {
        var out: [Key: ScramCredential] = [:]
        for (n, line) in text.split(separator: "\n").enumerated() where !line.hasPrefix("#") {
            let f = line.split(separator: " ")
            guard f.count == 6,
                  let userData = Data(base64Encoded: String(f[0])), let user = String(data: userData, encoding: .utf8),
                  let algorithm = ScramAlgorithm(rawValue: String(f[1])),
                  let salt = Data(base64Encoded: String(f[2])), let iterations = Int(f[3]),
                  ScramAlgorithm.iterationRange.contains(iterations),
                  let stored = Data(base64Encoded: String(f[4])), let server = Data(base64Encoded: String(f[5])),
                  stored.count == algorithm.digestCount, server.count == algorithm.digestCount else {
                throw SecurityError(.corruptStore, "\(path): line \(n + 1) is not a valid credential")
            }
            out[Key(user: user, algorithm: algorithm)] = ScramCredential(
                algorithm: algorithm, salt: Array(salt), iterations: iterations, storedKey: Array(stored), serverKey: Array(server))
        }
        return out
    }

    public func credential(user: String, algorithm: ScramAlgorithm) -> ScramCredential? {
        refreshIfChanged()
        return entries.withLock { $0[Key(user: user, algorithm: algorithm)] }
    }

    /// Users and their mechanisms with iterations, sorted; no secrets.
    public func list() -> [(user: String, algorithm: ScramAlgorithm, iterations: Int)] {
        refreshIfChanged()
        return entries.withLock { e in e.keys.sorted().map { ($0.user, $0.algorithm, e[$0]!.iterations) } }
    }

    /// Adds or replaces a credential and persists the store.
    public func upsert(user: String, credential: ScramCredential) throws(SecurityError) {
        guard !user.isEmpty else { throw SecurityError(.invalidArgument, "user name is empty") }
        try update { $0[Key(user: user, algorithm: credential.algorithm)] = credential }
    }

    /// Removes a user's credential for one mechanism (or all when nil); returns how many went.
    @discardableResult
    public func remove(user: String, algorithm: ScramAlgorithm? = nil) throws(SecurityError) -> Int {
        var removed = 0
        try update { e in
            for key in e.keys where key.user == user && (algorithm == nil || key.algorithm == algorithm) {
                e.removeValue(forKey: key)
                removed += 1
            }
        }
        return removed
    }

    private func update(_ change: (inout [Key: ScramCredential]) -> Void) throws(SecurityError) {
        refreshIfChanged()
        let result: Result<Void, SecurityError> = entries.withLock { e in
            var next = e
            change(&next)
            do throws(SecurityError) {
                try Self.persist(next, to: path)
                e = next
                let stamp = FileStamp(path: path)
                loadedStamp.withLock { $0 = stamp }
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    static func render(_ entries: [Key: ScramCredential]) -> String {
        var text = header + "\n"
        for key in entries.keys.sorted() {
            let c = entries[key]!
            text += [Data(key.user.utf8).base64EncodedString(), key.algorithm.rawValue, Data(c.salt).base64EncodedString(),
                     String(c.iterations), Data(c.storedKey).base64EncodedString(), Data(c.serverKey).base64EncodedString()]
                .joined(separator: " ") + "\n"
        }
        return text
    }

    static func persist(_ entries: [Key: ScramCredential], to path: String) throws(SecurityError) {
        let dir = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw SecurityError(.io, "cannot create \(dir)")
        }
        let tmp = path + ".tmp"
        let bytes = Array(render(entries).utf8)
        unlink(tmp)
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SecurityError(.io, "cannot create \(tmp): errno \(errno)") }
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                close(fd)
                throw SecurityError(.io, "cannot write \(tmp): errno \(errno)")
            }
            written += n
        }
        fchmod(fd, 0o600)
        guard fsync(fd) == 0 else {
            close(fd)
            throw SecurityError(.io, "cannot fsync \(tmp): errno \(errno)")
        }
        close(fd)
        guard rename(tmp, path) == 0 else { throw SecurityError(.io, "cannot rename \(tmp): errno \(errno)") }
        let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
    }
}

/// Device, inode, size and modification time of a file; nil when it does not exist.
struct FileStamp: Equatable, Sendable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var mtimeSeconds: Int
    var mtimeNanos: Int

    init?(path: String) {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
        size = Int64(st.st_size)
        mtimeSeconds = Int(st.st_mtim.tv_sec)
        mtimeNanos = Int(st.st_mtim.tv_nsec)
    }
}
