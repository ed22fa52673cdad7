import Foundation
import NIOCore

/// The golden request frames captured from real clients (scripts/capture-fixtures.sh).
enum CapturedFrames {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/captured")

    /// Paths like `kcat-produce-lz4/Produce-v7.bin`, sorted.
    static func all() throws -> [String] {
        var paths: [String] = []
        for client in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            let dir = directory.appendingPathComponent(client)
            for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) where name.hasSuffix(".bin") {
                paths.append("\(client)/\(name)")
            }
        }
        return paths.sorted()
    }

    /// One frame, without its size prefix.
    static func load(_ path: String) throws -> ByteBuffer {
        ByteBuffer(bytes: try Data(contentsOf: directory.appendingPathComponent(path)))
    }
}
