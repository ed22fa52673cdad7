import ArgumentParser
import Broker
import EnvelopeCrypto
import Foundation
import LogStorage

struct KeysStatus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "KEK versions, DEKs per KEK version and segments per KEK version, per scope.")

    @OptionGroup var keys: KeyOptions
    @Option(help: "Only this topic's scope.") var topic: String?
    @Option(help: "Only this tenant's scope (tenants do not exist yet: no data is sealed under a tenant key).") var tenant: String?

    func run() throws {
        if keys.brokerIsRunning {
            throw ValidationError("a broker is running on \(keys.dataDir) (it holds \(keys.keyDirectory)/.lock); stop it to read the key status")
        }
        let keyring = try keys.openKeyring()
        defer { keyring.close() }
        var scopes = try keyring.status()
        if let topic { scopes = scopes.filter { $0.scope == .topic(topic) } }
        if let tenant {
            scopes = scopes.filter { $0.scope == .tenant(tenant) }
            if scopes.isEmpty { throw ValidationError(KeyScopeNames.noTenantKeys(tenant)) }
        }
        let segments = segmentUsage()
        for scope in scopes {
            guard scope.shreddedAtMs == nil else {
                print("\(scope.scope): SHREDDED at \(scope.shreddedAtMs!) ms since the epoch")
                continue
            }
            var versionOfDEK: [UInt32: UInt32] = [:]
            for (version, ids) in scope.dekIdsByKEKVersion { for id in ids { versionOfDEK[id] = version } }
            print("\(scope.scope): KEK version \(scope.kekVersions.map(String.init).joined(separator: ", "))")
            for (version, ids) in scope.dekIdsByKEKVersion.sorted(by: { $0.key < $1.key }) {
                print("  KEK v\(version): \(ids.count) DEKs (ids \(ids.first!)…\(ids.last!))")
            }
            if case .topic(let topic) = scope.scope {
                var perVersion: [String: Int] = [:]
                for usage in segments[topic] ?? [] {
                    let labels = Set(usage.keys.map { id -> String in
                        guard let id else { return "plain" }
                        guard let version = versionOfDEK[id] else { return "unknown DEK" }
                        return "KEK v\(version)"
                    })
                    for label in labels { perVersion[label, default: 0] += 1 }
                }
                for (label, count) in perVersion.sorted(by: { $0.key < $1.key }) { print("  segments with \(label) frames: \(count)") }
            }
        }
        if scopes.isEmpty { print("no keys yet") }
    }

    /// Frames per DEK id of every segment, by topic.
    private func segmentUsage() -> [String: [[UInt32?: Int]]] {
        let root = keys.dataDir + "/topics/topics"
        var out: [String: [[UInt32?: Int]]] = [:]
        for directory in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] {
            guard let dash = directory.lastIndex(of: "-"), Int(directory[directory.index(after: dash)...]) != nil else { continue }
            let topic = String(directory[..<dash])
            for name in (try? FileManager.default.contentsOfDirectory(atPath: root + "/" + directory)) ?? [] where name.hasSuffix(".log") {
                if let usage = try? SegmentKeyUsage.frames(inSegment: root + "/" + directory + "/" + name), !usage.isEmpty {
                    out[topic, default: []].append(usage)
                }
            }
        }
        return out
    }
}
