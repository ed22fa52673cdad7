import Foundation
import Synchronization

/// Hands out producer ids that stay unique across restarts: ids come from blocks whose
/// upper end is persisted before any id of the block is used.
final class ProducerIdAllocator: Sendable {
    private static let blockSize: Int64 = 1000
    private let url: URL
    private let state: Mutex<(next: Int64, blockEnd: Int64)>

    init(directory: String) throws {
        url = URL(fileURLWithPath: directory).appendingPathComponent("producer-id-block")
        let start = (try? String(contentsOf: url, encoding: .utf8)).flatMap { Int64($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
        try AtomicFile.write("\(start + Self.blockSize)\n", to: url)
        state = Mutex((start, start + Self.blockSize))
    }

    func next() throws -> Int64 {
        try state.withLock { s in
            if s.next == s.blockEnd {
                try AtomicFile.write("\(s.blockEnd + Self.blockSize)\n", to: url)
                s.blockEnd += Self.blockSize
            }
            defer { s.next += 1 }
            return s.next
        }
    }
}
