import Foundation
import Synchronization

/// Runs independent blocking jobs on a few threads. Start-up uses it to open
/// partitions: on a cold disk each open waits on small random reads, and several
/// in flight at once keep the disk's queue busy (two cores would otherwise allow two).
enum ParallelWork {
    static func run<R: Sendable>(_ count: Int, threads: Int = 16, _ job: @escaping @Sendable (Int) throws(StorageError) -> R) throws(StorageError) -> [R] {
        guard count > 0 else { return [] }
        let workers = max(1, min(threads, count))
        let next = Atomic<Int>(0)
        let results = Mutex<[Int: Result<R, StorageError>]>([:])
        let done = NSCondition()
        let finished = Mutex(0)
        for _ in 0..<workers {
            let thread = Thread {
                while true {
                    let i = next.add(1, ordering: .relaxed).oldValue
                    guard i < count else { break }
                    let result = Result { () throws(StorageError) -> R in try job(i) }
                    results.withLock { $0[i] = result }
                }
                done.lock()
                finished.withLock { $0 += 1 }
                done.signal()
                done.unlock()
            }
            thread.start()
        }
        done.lock()
        while finished.withLock({ $0 }) < workers { done.wait() }
        done.unlock()
        let all = results.withLock { $0 }
        return try (0..<count).map { (i) throws(StorageError) -> R in try all[i]!.get() }
    }
}
