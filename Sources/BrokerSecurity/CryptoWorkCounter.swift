import Synchronization

/// Counts the hash, HMAC and PBKDF2 work `ScramAlgorithm` does while it is installed as
/// `ScramAlgorithm.$workCounter` (a task-local, so only the measured task is counted).
/// Tests use it to prove an unknown user and a wrong password cost the same work —
/// deterministic, where a timing assertion would be flaky.
public final class CryptoWorkCounter: Sendable {
    public struct Counts: Sendable, Equatable {
        public var hashes = 0
        public var hmacs = 0
        /// PBKDF2 iterations, summed over derivations.
        public var pbkdf2Iterations = 0
    }

    private let state = Mutex(Counts())
    public init() {}
    public var counts: Counts { state.withLock { $0 } }
    func hash() { state.withLock { $0.hashes += 1 } }
    func hmac() { state.withLock { $0.hmacs += 1 } }
    func pbkdf2(iterations: Int) { state.withLock { $0.pbkdf2Iterations += iterations } }
}
