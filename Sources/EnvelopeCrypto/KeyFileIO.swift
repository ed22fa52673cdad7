#if canImport(Glibc)
import Glibc
#endif

/// The file I/O of this target, in one place: key files are created 0600 with that
/// mode (never widened later), appended with fsync, replaced atomically (write a
/// temporary, fsync, rename, fsync the directory).
enum KeyFileIO {
    static func errnoText() -> String { String(cString: strerror(errno)) }

    static func makeDirectory(_ path: String) throws(EnvelopeError) {
        if mkdir(path, 0o700) != 0 && errno != EEXIST {
            throw EnvelopeError(.keyStore, "cannot create \(path): \(errnoText())")
        }
    }

    /// The file's bytes, nil when it does not exist. Bounded: key files are small.
    static func read(_ path: String, limit: Int = 64 << 20) throws(EnvelopeError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw EnvelopeError(.keyStore, "cannot open \(path): \(errnoText())")
        }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while out.count <= limit {
            let got = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if got < 0 {
                if errno == EINTR { continue }
                throw EnvelopeError(.keyStore, "cannot read \(path): \(errnoText())")
            }
            if got == 0 { return out }
            out += chunk[0..<got]
        }
        throw EnvelopeError(.keyStore, "\(path) is larger than \(limit) bytes")
    }

    /// Permission bits of a file (for the key-file mode check), nil if missing.
    static func mode(_ path: String) -> mode_t? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return info.st_mode & 0o7777
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// Appends `bytes` and fsyncs; creates the file (0600) and fsyncs its directory if new.
    static func append(_ bytes: [UInt8], to path: String, directory: String) throws(EnvelopeError) {
        let isNew = !exists(path)
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw EnvelopeError(.keyStore, "cannot open \(path): \(errnoText())") }
        defer { close(fd) }
        try writeAll(fd, bytes, path: path)
        guard fsync(fd) == 0 else { throw EnvelopeError(.keyStore, "cannot fsync \(path): \(errnoText())") }
        if isNew { try syncDirectory(directory) }
    }

    /// Cuts a torn tail off (a key file's last line without its newline).
    static func truncate(_ path: String, to length: Int) throws(EnvelopeError) {
        guard Glibc.truncate(path, off_t(length)) == 0 else { throw EnvelopeError(.keyStore, "cannot truncate \(path): \(errnoText())") }
    }

    /// Replaces `path` with `bytes` atomically: after a crash it holds the old or the new content.
    static func replace(_ path: String, with bytes: [UInt8], directory: String) throws(EnvelopeError) {
        let temporary = path + ".tmp"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw EnvelopeError(.keyStore, "cannot create \(temporary): \(errnoText())") }
        do throws(EnvelopeError) {
            try writeAll(fd, bytes, path: temporary)
            guard fsync(fd) == 0 else { throw EnvelopeError(.keyStore, "cannot fsync \(temporary): \(errnoText())") }
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else { throw EnvelopeError(.keyStore, "cannot rename \(temporary): \(errnoText())") }
        try syncDirectory(directory)
    }

    static func remove(_ path: String) { unlink(path) }

    static func removeDirectory(_ path: String) { rmdir(path) }

    static func list(_ directory: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    static func syncDirectory(_ path: String) throws(EnvelopeError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw EnvelopeError(.keyStore, "cannot open \(path): \(errnoText())") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw EnvelopeError(.keyStore, "cannot fsync \(path): \(errnoText())") }
    }

    /// Takes an exclusive, non-blocking lock on `path` for the process's life (until `unlockFile`).
    static func lockFile(_ path: String) throws(EnvelopeError) -> Int32 {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw EnvelopeError(.keyStore, "cannot open \(path): \(errnoText())") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw EnvelopeError(.keyStore, "the key store is in use by another process (a running broker or another `bulwark keys`)")
        }
        return fd
    }

    static func unlockFile(_ fd: Int32) {
        flock(fd, LOCK_UN)
        close(fd)
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(EnvelopeError) {
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                throw EnvelopeError(.keyStore, "cannot write \(path): \(errnoText())")
            }
            if n == 0 { throw EnvelopeError(.keyStore, "cannot write \(path): no progress") }
            written += n
        }
    }
}
