#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin, typed-throwing wrappers over the POSIX calls the store uses. Every call
/// retries EINTR and loops over short transfers, so callers see all-or-error.
enum FileIO {
    static func open(_ path: String, create: Bool) throws(StorageError) -> Int32 {
        let flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0)
        while true {
            let fd = Glibc.open(path, flags, 0o644)
            if fd >= 0 { return fd }
            if errno != EINTR { throw .io("open", path: path, errno: errno) }
        }
    }

    static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }

    /// Reads exactly `count` bytes unless the file ends first; returns the bytes read.
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawPointer, count: Int, at offset: Int64, path: String) throws(StorageError) -> Int {
        var done = 0
        while done < count {
            let n = pread(fd, buffer + done, count - done, off_t(offset) + off_t(done))
            if n > 0 {
                done += n
            } else if n == 0 {
                break
            } else if errno != EINTR {
                throw .io("read", path: path, errno: errno)
            }
        }
        return done
    }

    static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int64, path: String) throws(StorageError) {
        guard let base = bytes.baseAddress else { return }
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, base + done, bytes.count - done, off_t(offset) + off_t(done))
            if n > 0 {
                done += n
            } else if n < 0 && errno != EINTR {
                throw .io("write", path: path, errno: errno)
            } else if n == 0 {
                throw StorageError(.kafkaStorageError, "write \(path): no progress")
            }
        }
    }

    /// fdatasync: the data and the size (appends change it), not the timestamps.
    static func sync(_ fd: Int32, path: String) throws(StorageError) {
        while fdatasync(fd) != 0 {
            if errno != EINTR { throw .io("fsync", path: path, errno: errno) }
        }
    }

    static func truncate(_ fd: Int32, to size: Int64, path: String) throws(StorageError) {
        while ftruncate(fd, off_t(size)) != 0 {
            if errno != EINTR { throw .io("truncate", path: path, errno: errno) }
        }
    }

    static func size(_ fd: Int32, path: String) throws(StorageError) -> Int64 {
        var info = Glibc.stat()
        guard fstat(fd, &info) == 0 else { throw .io("stat", path: path, errno: errno) }
        return Int64(info.st_size)
    }

    /// Size and modification time in ms, or nil if the file does not exist.
    static func fileInfo(_ path: String) -> (size: Int64, modifiedMs: Int64)? {
        var info = Glibc.stat()
        guard stat(path, &info) == 0 else { return nil }
        let ms = Int64(info.st_mtim.tv_sec) * 1000 + Int64(info.st_mtim.tv_nsec) / 1_000_000
        return (Int64(info.st_size), ms)
    }

    /// Makes a directory's entries (creations, renames, unlinks) durable.
    static func syncDirectory(_ path: String) throws(StorageError) {
        let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .io("open directory", path: path, errno: errno) }
        defer { Glibc.close(fd) }
        while fsync(fd) != 0 {
            if errno != EINTR { throw .io("fsync directory", path: path, errno: errno) }
        }
    }

    static func makeDirectory(_ path: String) throws(StorageError) {
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw .io("create directory", path: path, errno: errno)
        }
    }

    static func remove(_ path: String) throws(StorageError) {
        if unlink(path) != 0 && errno != ENOENT { throw .io("delete", path: path, errno: errno) }
    }

    static func rename(_ from: String, to: String) throws(StorageError) {
        if Glibc.rename(from, to) != 0 { throw .io("rename", path: "\(from) → \(to)", errno: errno) }
    }

    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// Names in a directory (not "." or ".."); empty if it does not exist.
    static func list(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Deletes a directory and everything in it (partition directories are flat).
    static func removeTree(_ path: String) throws(StorageError) {
        for name in list(path) {
            let child = path + "/" + name
            var info = Glibc.stat()
            if lstat(child, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
                try removeTree(child)
            } else {
                try remove(child)
            }
        }
        if rmdir(path) != 0 && errno != ENOENT { throw .io("delete directory", path: path, errno: errno) }
    }

    /// Replaces `path` with `bytes` so that a crash leaves the old or the new
    /// content, never a mix: temp file, fsync, rename, fsync of the directory.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws(StorageError) {
        let temp = path + ".tmp"
        let fd = try open(temp, create: true)
        do throws(StorageError) {
            try truncate(fd, to: 0, path: temp)
            try bytes.withBytes { (raw) throws(StorageError) in try write(fd, raw, at: 0, path: temp) }
            while fsync(fd) != 0 {
                if errno != EINTR { throw .io("fsync", path: temp, errno: errno) }
            }
        } catch {
            close(fd)
            throw error
        }
        close(fd)
        try rename(temp, to: path)
        try syncDirectory(parent(of: path))
    }

    /// Whole content of a small file, or nil if it does not exist.
    static func readAll(_ path: String) throws(StorageError) -> [UInt8]? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw .io("open", path: path, errno: errno)
        }
        defer { Glibc.close(fd) }
        let size = Int(try size(fd, path: path))
        var bytes = [UInt8](repeating: 0, count: size)
        let n = try bytes.withMutableBytes { (raw) throws(StorageError) -> Int in
            guard let base = raw.baseAddress else { return 0 }
            return try read(fd, into: base, count: size, at: 0, path: path)
        }
        bytes.removeLast(size - n)
        return bytes
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}

func errnoDescription(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "errno \(code)" }
    return String(cString: text) + " (errno \(code))"
}

extension FileIO {
    /// Writes `pieces` back to back from `offset` with one pwritev when it can.
    static func write(_ fd: Int32, pieces: [UnsafeRawBufferPointer], at offset: Int64, path: String) throws(StorageError) {
        let total = pieces.reduce(0) { $0 + $1.count }
        var vectors = pieces.map { iovec(iov_base: UnsafeMutableRawPointer(mutating: $0.baseAddress), iov_len: $0.count) }
        var written = 0
        if vectors.count <= 1024 {  // IOV_MAX on Linux
            while true {
                let n = pwritev(fd, &vectors, Int32(vectors.count), off_t(offset))
                if n >= 0 {
                    written = n
                    break
                }
                if errno != EINTR { throw .io("write", path: path, errno: errno) }
            }
        }
        guard written < total else { return }
        // A short vectored write (rare: signals, quotas): finish piece by piece.
        var position = offset
        var skip = written
        for piece in pieces {
            if skip >= piece.count {
                skip -= piece.count
                position += Int64(piece.count)
                continue
            }
            let rest = UnsafeRawBufferPointer(rebasing: piece[skip...])
            try write(fd, rest, at: position + Int64(skip), path: path)
            position += Int64(piece.count)
            skip = 0
        }
    }
}

extension FileIO {
    private typealias SyncFileRange = @convention(c) (Int32, Int64, Int64, UInt32) -> Int32

    /// Linux's sync_file_range, which Swift's Glibc module does not import (it is a
    /// GNU extension); looked up once. nil where the C library lacks it.
    private static let syncFileRange: SyncFileRange? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sync_file_range") else { return nil }
        return unsafeBitCast(symbol, to: SyncFileRange.self)
    }()

    /// Starts writeback of a file's dirty pages without waiting. Issued for every
    /// file of a flush round before the first fdatasync, it lets their block
    /// allocations join one journal transaction, so the round's fdatasyncs share a
    /// commit instead of paying one each. Best effort: fdatasync still decides.
    static func startWriteback(_ fd: Int32) {
        _ = syncFileRange?(fd, 0, 0, 2)  // SYNC_FILE_RANGE_WRITE
    }
}
