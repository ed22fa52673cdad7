#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few POSIX file operations the log needs, with errors that name the path.
enum AuditFileIO {
    static func errorText() -> String { String(cString: strerror(errno)) }

    static func readAll(_ path: String, limit: Int = 1 << 30) throws(AuditLogError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw AuditLogError(.io, "cannot open \(path): \(errorText())") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw AuditLogError(.io, "cannot stat \(path): \(errorText())") }
        let size = Int(st.st_size)
        guard size <= limit else { throw AuditLogError(.corrupt, "\(path) is \(size) bytes, above the \(limit) limit") }
        return try readRange(fd: fd, path: path, offset: 0, count: size)
    }

    /// Reads exactly `count` bytes at `offset` (fewer only if the file is shorter).
    static func readRange(fd: Int32, path: String, offset: Int, count: Int) throws(AuditLogError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        var failure: AuditLogError?
        bytes.withUnsafeMutableBytes { p in
            while done < count {  // bounded: each pass reads ≥ 1 byte or stops
                let n = pread(fd, p.baseAddress! + done, count - done, off_t(offset + done))
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = AuditLogError(.io, "cannot read \(path): \(errorText())")
                    return
                }
                if n == 0 { return }
                done += n
            }
        }
        if let failure { throw failure }
        if done < count { bytes.removeLast(count - done) }
        return bytes
    }

    static func writeAll(fd: Int32, _ bytes: [UInt8], path: String) throws(AuditLogError) {
        var done = 0
        var failure: AuditLogError?
        bytes.withUnsafeBytes { p in
            while done < p.count {
                let n = write(fd, p.baseAddress! + done, p.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = AuditLogError(.io, "cannot write \(path): \(errorText())")
                    return
                }
                done += n
            }
        }
        if let failure { throw failure }
    }

    static func fsyncDirectory(_ path: String) throws(AuditLogError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw AuditLogError(.io, "cannot open directory \(path): \(errorText())") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw AuditLogError(.io, "cannot fsync directory \(path): \(errorText())") }
    }

    /// Replaces `path` atomically: write a temporary file with `mode`, fsync, rename, fsync the
    /// directory. Used for the signed head and anchor, never for segments.
    static func replaceAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o600) throws(AuditLogError) {
        let tmp = path + ".tmp"
        unlink(tmp)
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw AuditLogError(.io, "cannot create \(tmp): \(errorText())") }
        do throws(AuditLogError) {
            try writeAll(fd: fd, bytes, path: tmp)
            guard fsync(fd) == 0 else { throw AuditLogError(.io, "cannot fsync \(tmp): \(errorText())") }
        } catch {
            close(fd)
            unlink(tmp)
            throw error
        }
        close(fd)
        guard rename(tmp, path) == 0 else { throw AuditLogError(.io, "cannot rename \(tmp): \(errorText())") }
        try fsyncDirectory(directory(of: path))
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func makeDirectory(_ path: String) throws(AuditLogError) {
        var components: [String] = []
        var current = path
        while !exists(current) && current != "/" && current != "." && !current.isEmpty && components.count < 64 {
            components.append(current)
            current = directory(of: current)
        }
        for dir in components.reversed() {
            if mkdir(dir, 0o750) != 0 && errno != EEXIST {
                throw AuditLogError(.io, "cannot create directory \(dir): \(errorText())")
            }
        }
    }

    static func fileSize(_ path: String) -> Int? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Int(st.st_size)
    }

    static func listDirectory(_ path: String) throws(AuditLogError) -> [String] {
        guard let dir = opendir(path) else { throw AuditLogError(.io, "cannot list \(path): \(errorText())") }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
