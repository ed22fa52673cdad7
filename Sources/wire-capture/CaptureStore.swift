import Foundation
import NIOCore

/// Writes captured frames to disk: the first frame of each (client, API, version).
final class CaptureStore: @unchecked Sendable {
    private let directory: URL
    private let lock = NSLock()
    private var seen: Set<String> = []

    init(directory: URL) {
        self.directory = directory
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func record(client: String, api: String, version: Int16, frame: ByteBuffer, outcome: String) {
        lock.lock()
        defer { lock.unlock() }
        let safeClient = String(client.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "_" })
        // A frame that failed to decode is kept under its own name: it is the one to study.
        let failed = !outcome.hasPrefix("ok")
        let key = "\(safeClient)/\(api)-v\(version)" + (failed ? "-error" : "")
        appendLog("\(safeClient)/\(api)-v\(version) \(outcome)\n")
        guard !seen.contains(key) else { return }
        seen.insert(key)
        let dir = directory.appendingPathComponent(safeClient)
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try? Data(frame.readableBytesView).write(to: dir.appendingPathComponent("\(api)-v\(version)\(failed ? "-error" : "").bin"))
    }

    private func appendLog(_ line: String) {
        let url = directory.appendingPathComponent("decoded.log")
        if let handle = try? FileHandle(forWritingTo: url) {
            handle.seekToEndOfFile()
            handle.write(Data(line.utf8))
            try? handle.close()
        } else {
            try? Data(line.utf8).write(to: url)
        }
    }
}
