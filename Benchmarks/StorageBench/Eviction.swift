#if canImport(Glibc)
import Glibc
#endif

/// Drops one directory tree's files from the page cache (they are clean after
/// flushAll), leaving the rest of the machine's cache alone. Returns their bytes.
enum Eviction {
    @discardableResult
    static func evict(_ path: String) -> Int {
        guard let dir = opendir(path) else { return 0 }
        defer { closedir(dir) }
        var total = 0
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name == "." || name == ".." { continue }
            let child = path + "/" + name
            var info = stat()
            guard lstat(child, &info) == 0 else { continue }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                total += evict(child)
            } else {
                let fd = open(child, O_RDONLY)
                if fd >= 0 {
                    _ = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)
                    close(fd)
                    total += Int(info.st_size)
                }
            }
        }
        return total
    }

    /// Drops the kernel's reclaimable inode and dentry caches (machine-wide, root
    /// only; the page cache stays), so start-up pays its directory lookups cold.
    static func dropInodeCache() {
        sync()
        let fd = open("/proc/sys/vm/drop_caches", O_WRONLY)
        guard fd >= 0 else { return }
        _ = write(fd, "2\n", 2)
        close(fd)
    }
}
