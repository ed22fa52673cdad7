import Foundation

/// The cluster id and node id, kept in `meta.properties` in the data directory as Kafka
/// does, so a restarted broker keeps its identity and refuses a directory of another node.
struct ClusterIdentity: Sendable {
    let clusterId: String
    let nodeId: Int32

    static func loadOrCreate(directory: String, nodeId: Int32) throws -> ClusterIdentity {
        let url = URL(fileURLWithPath: directory).appendingPathComponent("meta.properties")
        if let text = try? String(contentsOf: url, encoding: .utf8) {
            let props = ServerProperties(parsing: text)
            guard let cluster = props["cluster.id"], let stored = props["node.id"].flatMap(Int32.init) else {
                throw ConfigError(key: "log.dirs", message: "\(url.path) is not a Bulwark meta.properties")
            }
            guard stored == nodeId else {
                throw ConfigError(key: "node.id", message: "data directory belongs to node \(stored), not \(nodeId)")
            }
            return ClusterIdentity(clusterId: cluster, nodeId: nodeId)
        }
        let identity = ClusterIdentity(clusterId: Self.newClusterId(), nodeId: nodeId)
        try AtomicFile.write("version=1\ncluster.id=\(identity.clusterId)\nnode.id=\(nodeId)\n", to: url)
        return identity
    }

    /// 16 random bytes in URL-safe base64 without padding, like Kafka's cluster ids.
    private static func newClusterId() -> String {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// Replaces a small file atomically: temp file, fsync, rename, fsync of the directory.
enum AtomicFile {
    static func write(_ text: String, to url: URL) throws {
        let dir = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let temp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp")
        let fd = open(temp.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd)
        close(fd)
        guard written == bytes.count, synced == 0 else { throw POSIXError(.EIO) }
        guard rename(temp.path, url.path) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        let dfd = open(dir.path, O_RDONLY | O_DIRECTORY)
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
    }
}
