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
            // A channel is tracked from its initializer, before its registration completes;
            // half-closing one that is not active yet trips NIO (it is not registered for
            // reads). Such a channel has no request in flight: close it whole.
            channel.eventLoop.execute {
                if channel.isActive {
                    channel.close(mode: .input, promise: nil)
                } else {
                    channel.close(promise: nil)
                }
            }
        }
    }

    func closeAll() {
        for channel in state.withLock({ Array($0.channels.values) }) {
            channel.close(promise: nil)
        }
    }
}
