import NIOCore
import Synchronization

/// The open connections and their serving tasks, so shutdown can stop reading, let
/// in-flight requests finish, and then wait for every connection to close.
final class ConnectionTracker: Sendable {
    private struct State {
        var nextId: UInt64 = 1
        var channels: [UInt64: any Channel] = [:]
    }

    private let state = Mutex(State())

    func add(_ channel: any Channel) -> UInt64 {
        state.withLock { s in
            let id = s.nextId
            s.nextId += 1
            s.channels[id] = channel
            return id
        }
    }

    func remove(_ id: UInt64) {
        _ = state.withLock { $0.channels.removeValue(forKey: id) }
    }

    var count: Int { state.withLock { $0.channels.count } }

    /// Stops reading on every connection; each finishes its queued requests and closes.
    func closeInputs() {
        for channel in state.withLock({ Array($0.channels.values) }) {
            channel.close(mode: .input, promise: nil)
        }
    }

    func closeAll() {
        for channel in state.withLock({ Array($0.channels.values) }) {
            channel.close(promise: nil)
        }
    }
}
