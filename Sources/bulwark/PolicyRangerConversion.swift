import ArgumentParser
import Foundation
import PolicyEngine

/// `bulwark policy import-ranger EXPORT`: a Ranger Admin export into Policies/ files.
struct PolicyImportRanger: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-ranger",
        abstract: "Convert a Ranger Admin policy export into Policies/ files (one per service)."
    )

    @Argument(help: "The Ranger export JSON.") var export: String
    @Option(help: "Write <service>.json files into this directory (default: print the single service's file).") var outDir: String?

    func run() throws {
        guard let file = try PolicyFiles.read(export).first else { throw ValidationError("\(export): nothing to read") }
        let documents: [String: Data]
        do {
            documents = try RangerExport.importExport(file.contents, file: file.name)
        } catch {
            writeStandardError("error: \(error)")
            throw ExitCode(1)
        }
        guard let outDir else {
            guard documents.count == 1, let only = documents.values.first else {
                writeStandardError("error: the export holds \(documents.count) services (\(documents.keys.sorted().joined(separator: ", "))); use --out-dir")
                throw ExitCode(1)
            }
            FileHandle.standardOutput.write(only + Data("\n".utf8))
            return
        }
        try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
        for (service, data) in documents.sorted(by: { $0.key < $1.key }) {
            let safe = service.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" }
            let path = (outDir as NSString).appendingPathComponent(String(safe) + ".json")
            try (data + Data("\n".utf8)).write(to: URL(fileURLWithPath: path), options: .atomic)
            print("wrote \(path)")
        }
    }
}

/// `bulwark policy export-ranger PATH`: Policies/ files into one Ranger Admin export.
struct PolicyExportRanger: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-ranger",
        abstract: "Convert Policies/ files into a Ranger Admin policy export (printed)."
    )

    @Argument(help: "Policy files or directories.") var paths: [String]

    func run() throws {
        do {
            let data = try RangerExport.export(try paths.flatMap(PolicyFiles.read), exportTime: Date())
            FileHandle.standardOutput.write(data + Data("\n".utf8))
        } catch let error as PolicyLoadError {
            writeStandardError("error: \(error)")
            throw ExitCode(1)
        }
    }
}
