#if canImport(Glibc)
import Glibc
#endif

extension Keyring {
    /// Whether a process (a running broker, another `bulwark keys`) holds the key store's
    /// lock now. The CLI uses it to choose between doing the work itself and asking the
    /// broker; the answer can change right after, which the lock itself then catches.
    public static func isInUse(directory: String) -> Bool {
        let fd = Glibc.open(directory + "/.lock", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { Glibc.close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { return true }
        flock(fd, LOCK_UN)
        return false
    }
}

extension Keyring {
    /// Whether the store has a key file for `scope` (keys or a shred tombstone).
    public func holdsKeys(for scope: KeyScope) -> Bool {
        guard let name = scope.fileName else { return false }
        return KeyFileIO.exists(directory + "/" + name)
    }
}
