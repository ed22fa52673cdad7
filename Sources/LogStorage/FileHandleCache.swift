import Synchronization

/// A bounded cache of open file descriptors, shared by every partition of a
/// `LogManager`, so that thousands of segment and index files can exist while only
/// `capacity` descriptors are open (least recently used ones are closed).
///
/// Descriptors are lent, never handed out: `withDescriptor` pins the entry for the
/// call, so an eviction or a deletion cannot close a descriptor in use (which would
/// let the number be reused under a concurrent pread).
final class FileHandleCache: Sendable {
    private struct Entry {
        var fd: Int32
        var pins: Int
        var lastUse: UInt64
        /// Removed from `byPath` (file deleted or evicted while pinned): close at the last unpin.
        var detached: Bool
    }

    private struct State {
        var byPath: [String: UInt64] = [:]
        var entries: [UInt64: Entry] = [:]
        var nextID: UInt64 = 0
        var clock: UInt64 = 0
        var opened: Int = 0
    }

    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) {
        self.capacity = max(capacity, 4)
    }

    /// Descriptors currently open (pinned or cached).
    var openCount: Int { state.withLock { $0.entries.count } }
    /// Total opens so far (for tests of laziness).
    var totalOpens: Int { state.withLock { $0.opened } }

    func withDescriptor<R>(
        _ path: String, create: Bool = false, _ body: (Int32) throws(StorageError) -> R
    ) throws(StorageError) -> R {
        let (id, fd) = try pin(path, create: create)
        defer { unpin(id) }
        return try body(fd)
    }

    /// A descriptor pinned until `release`: taken under a partition's lock by readers, so
    /// the file they planned to read is the file they read even if a segment rewrite
    /// renames a new file over the path right after (the pinned descriptor keeps the old one).
    struct Lease {
        let id: UInt64
        let fd: Int32
    }

    func lease(_ path: String) throws(StorageError) -> Lease {
        let (id, fd) = try pin(path, create: false)
        return Lease(id: id, fd: fd)
    }

    func release(_ lease: Lease) { unpin(lease.id) }

    /// Closes the cached descriptor of a file about to be deleted or renamed.
    func forget(_ path: String) {
        let toClose: Int32? = state.withLock { state in
            guard let id = state.byPath.removeValue(forKey: path), var entry = state.entries[id] else { return nil }
            if entry.pins == 0 {
                state.entries[id] = nil
                return entry.fd
            }
            entry.detached = true
            state.entries[id] = entry
            return nil
        }
        if let toClose { FileIO.close(toClose) }
    }

    /// Closes every unpinned descriptor under `directory` (a partition being deleted or closed).
    func forgetAll(under directory: String) {
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        let paths = state.withLock { Array($0.byPath.keys.filter { $0.hasPrefix(prefix) }) }
        for path in paths { forget(path) }
    }

    func closeAll() {
        let fds: [Int32] = state.withLock { state in
            var fds: [Int32] = []
            for (id, entry) in state.entries {
                if entry.pins == 0 {
                    fds.append(entry.fd)
                    state.entries[id] = nil
                } else {
                    state.entries[id]!.detached = true
                }
            }
            state.byPath = [:]
            return fds
        }
        for fd in fds { FileIO.close(fd) }
    }

    private func pin(_ path: String, create: Bool) throws(StorageError) -> (UInt64, Int32) {
        let cached: (UInt64, Int32)? = state.withLock { state in
            state.clock += 1
            guard let id = state.byPath[path] else { return nil }
            state.entries[id]!.pins += 1
            state.entries[id]!.lastUse = state.clock
            return (id, state.entries[id]!.fd)
        }
        if let cached { return cached }

        // Opened outside the lock: open(2) can be slow and must not stall other partitions.
        let fd = try FileIO.open(path, create: create)
        var toClose: [Int32] = []
        let result: (UInt64, Int32) = state.withLock { state in
            state.opened += 1
            if let id = state.byPath[path] {
                // Another thread opened it meanwhile: use theirs.
                toClose.append(fd)
                state.entries[id]!.pins += 1
                return (id, state.entries[id]!.fd)
            }
            let id = state.nextID
            state.nextID += 1
            state.entries[id] = Entry(fd: fd, pins: 1, lastUse: state.clock, detached: false)
            state.byPath[path] = id
            toClose += Self.evict(&state, capacity: capacity)
            return (id, fd)
        }
        for fd in toClose { FileIO.close(fd) }
        return result
    }

    private func unpin(_ id: UInt64) {
        let toClose: Int32? = state.withLock { state in
            guard var entry = state.entries[id] else { return nil }
            entry.pins -= 1
            if entry.pins == 0 && entry.detached {
                state.entries[id] = nil
                return entry.fd
            }
            state.entries[id] = entry
            return nil
        }
        if let toClose { FileIO.close(toClose) }
    }

    /// Drops least recently used unpinned entries down to capacity; returns their descriptors.
    private static func evict(_ state: inout State, capacity: Int) -> [Int32] {
        guard state.entries.count > capacity else { return [] }
        // Evict a batch (an eighth) at once so the O(n) scan is paid rarely.
        let target = capacity - capacity / 8
        let victims = state.byPath
            .compactMap { path, id -> (String, UInt64, UInt64)? in
                guard let entry = state.entries[id], entry.pins == 0 else { return nil }
                return (path, id, entry.lastUse)
            }
            .sorted { $0.2 < $1.2 }
            .prefix(max(0, state.entries.count - target))
        var fds: [Int32] = []
        for (path, id, _) in victims {
            fds.append(state.entries[id]!.fd)
            state.entries[id] = nil
            state.byPath[path] = nil
        }
        return fds
    }
}
