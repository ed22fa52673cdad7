#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The few POSIX calls the offsets log needs, so durability (fsync of data and of the
/// directory after a rename) is explicit rather than left to a buffered API.
enum DurableFile {
    static func openForAppend(_ path: String) throws(OffsetStoreError) -> Int32 {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw OffsetStoreError(operation: "open", path: path, errno: errno) }
        return fd
    }

    static func size(of fd: Int32, path: String) throws(OffsetStoreError) -> Int64 {
        let end = lseek(fd, 0, SEEK_END)
        guard end >= 0 else { throw OffsetStoreError(operation: "lseek", path: path, errno: errno) }
        return Int64(end)
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(OffsetStoreError) {
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                write(fd, raw.baseAddress! + written, raw.count - written)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw OffsetStoreError(operation: "write", path: path, errno: errno)
            }
            written += n
        }
    }

    static func sync(_ fd: Int32, path: String) throws(OffsetStoreError) {
        guard fsync(fd) == 0 else { throw OffsetStoreError(operation: "fsync", path: path, errno: errno) }
    }

    static func truncate(_ fd: Int32, to size: Int64, path: String) throws(OffsetStoreError) {
        guard ftruncate(fd, off_t(size)) == 0 else {
            throw OffsetStoreError(operation: "ftruncate", path: path, errno: errno)
        }
    }

    /// Replaces `path` with `bytes` atomically: a crash leaves either the old or the new
    /// file, never a mix.
    static func replace(_ path: String, with bytes: [UInt8], directory: String) throws(OffsetStoreError) {
        let temp = path + ".tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw OffsetStoreError(operation: "open", path: temp, errno: errno) }
        do {
            try writeAll(fd, bytes, path: temp)
            try sync(fd, path: temp)
        } catch {
            close(fd)
            unlink(temp)
            throw error
        }
        close(fd)
        guard rename(temp, path) == 0 else {
            let code = errno
            unlink(temp)
            throw OffsetStoreError(operation: "rename", path: temp, errno: code)
        }
        try syncDirectory(directory)
    }

    /// Makes a rename or a file creation in `directory` durable.
    static func syncDirectory(_ directory: String) throws(OffsetStoreError) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw OffsetStoreError(operation: "open", path: directory, errno: errno) }
        defer { close(fd) }
        try sync(fd, path: directory)
    }

    static func closeFile(_ fd: Int32) {
        close(fd)
    }
}
