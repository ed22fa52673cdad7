import ArgumentParser
import Foundation
import PolicyEngine

/// `bulwark policy …`: check, try and convert Ranger-model policies without a broker.
struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Validate, evaluate, explain, diff and convert Ranger-style policies.",
        subcommands: [PolicyValidate.self, PolicyEval.self, PolicyExplain.self, PolicyDiff.self,
                      PolicyImportRanger.self, PolicyExportRanger.self, PolicyApply.self]
    )
}

/// Reading policy files for the engine (which does no file I/O itself).
enum PolicyFiles {
    /// Refuse absurd inputs before reading them whole.
    static let maxFileBytes = 64 << 20

    /// A file, or every `*.json` file directly in a directory (sorted by name).
    static func read(_ path: String) throws -> [PolicyFile] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ValidationError("\(path): no such file or directory")
        }
        let paths: [String]
        if isDirectory.boolValue {
            paths = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".json") }.sorted()
                .map { (path as NSString).appendingPathComponent($0) }
        } else {
            paths = [path]
        }
        return try paths.map { file in
            let attributes = try FileManager.default.attributesOfItem(atPath: file)
            if let size = attributes[.size] as? Int, size > maxFileBytes {
                throw ValidationError("\(file): larger than \(maxFileBytes) bytes")
            }
            return PolicyFile(name: (file as NSString).lastPathComponent, contents: try Data(contentsOf: URL(fileURLWithPath: file)))
        }
    }

    static func snapshot(_ paths: [String], superUsers: [String] = [], superGroups: [String] = []) throws -> PolicySnapshot {
        let files = try paths.flatMap(read)
        do {
            return try PolicySnapshot.load(files: files, superUsers: Set(superUsers), superGroups: Set(superGroups), version: 1)
        } catch {
            throw PolicyCLIError("error: \(error)")
        }
    }

    static func commaList(_ value: String?) -> [String] {
        (value ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

/// A failure the CLI reports as one line on standard error and exit status 1.
struct PolicyCLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

func writeStandardError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
