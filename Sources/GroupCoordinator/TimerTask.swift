import Foundation

/// Holds the coordinator's timer task. A class set after init because an actor's
/// synchronous initializer cannot store a task that already captured `self`.
final class TimerTask: @unchecked Sendable {
    // @unchecked: `task` is only touched under `lock`.
    private let lock = NSLock()
    private var task: Task<Void, Never>?

    func start(_ task: Task<Void, Never>) {
        lock.withLock { self.task = task }
    }

    func cancel() {
        let task = lock.withLock {
            defer { self.task = nil }
            return self.task
        }
        task?.cancel()
    }
}
