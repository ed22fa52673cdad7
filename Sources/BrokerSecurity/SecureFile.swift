import Foundation

/// Files that hold secrets (private keys, the first-run admin password).
public enum SecureFile {
    /// Creates `path` with `mode` from the first byte: `open(O_CREAT|O_EXCL, mode)` rather
    /// than chmod after writing, so no other user can open it in between. Fails if the file
    /// exists or is a symlink; the content is fsynced before returning.
    public static func create(_ path: String, contents: String, mode: mode_t) throws(SecurityError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else {
            throw SecurityError(.io, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let bytes = Array(contents.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw SecurityError(.io, "cannot write \(path): \(String(cString: strerror(errno)))") }
            written += n
        }
        guard fsync(fd) == 0 else { throw SecurityError(.io, "cannot fsync \(path): \(String(cString: strerror(errno)))") }
    }
}
