import ArgumentParser
import EnvelopeCrypto
import Foundation
import LogStorage

struct KeysStatus: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "KEK versions, DEKs per KEK version and segments per KEK version, per scope.")

    @OptionGroup var keys: KeyOptions

    func run() throws {
        let keyring = try keys.openKeyring()
        defer { keyring.close() }
        let scopes = try keyring.status()
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

struct KeysRotateKEK: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-kek",
        abstract: "Make a new KEK version for a topic and re-wrap its DEKs under it (no data is rewritten; atomic).")

    @OptionGroup var keys: KeyOptions
    @Option(help: "The topic whose KEK to rotate.") var topic: String

    func run() throws {
        let keyring = try keys.openKeyring()
        defer { keyring.close() }
        do {
            let version = try keyring.rotateKEK(for: .topic(topic))
            print("topic \(topic): KEK rotated to version \(version); DEKs re-wrapped")
        } catch {
            throw ValidationError(error.message)
        }
    }
}

struct KeysShred: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shred",
        abstract: "Destroy a topic's keys: its data becomes unreadable for good (consumers get KAFKA_STORAGE_ERROR).")

    @OptionGroup var keys: KeyOptions
    @Option(help: "The topic whose keys to destroy.") var topic: String
    @Flag(help: "Confirm: this cannot be undone.") var yes = false

    func run() throws {
        guard yes else { throw ValidationError("shredding cannot be undone; add --yes to confirm") }
        let keyring = try keys.openKeyring()
        defer { keyring.close() }
        do {
            try keyring.shred(.topic(topic))
            print("topic \(topic): keys shredded; its sealed data can no longer be read")
        } catch {
            throw ValidationError(error.message)
        }
    }
}
