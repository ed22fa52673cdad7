import Foundation
import KafkaWireCodegen

// Usage: kafka-wire-gen [MESSAGES_DIR] [PACKAGE_ROOT]
// Defaults: ../shared/kafka-protocol/messages and the current directory.
let args = CommandLine.arguments
let root = URL(fileURLWithPath: args.count > 2 ? args[2] : FileManager.default.currentDirectoryPath)
let messages = URL(fileURLWithPath: args.count > 1 ? args[1] : root.appendingPathComponent("../shared/kafka-protocol/messages").path)

do {
    let files = try KafkaWireGenerator.generate(specs: KafkaWireGenerator.loadSpecs(from: messages))
    let fm = FileManager.default
    // Remove stale outputs so a dropped message does not linger.
    for dir in [KafkaWireGenerator.codecDirectory, KafkaWireGenerator.samplesDirectory] {
        let url = root.appendingPathComponent(dir)
        try fm.createDirectory(at: url, withIntermediateDirectories: true)
        for name in try fm.contentsOfDirectory(atPath: url.path) where name.hasSuffix(".swift") {
            try fm.removeItem(at: url.appendingPathComponent(name))
        }
    }
    for file in files {
        try file.contents.write(to: root.appendingPathComponent(file.path), atomically: true, encoding: .utf8)
    }
    print("kafka-wire-gen: wrote \(files.count) files")
} catch {
    FileHandle.standardError.write("kafka-wire-gen: \(error)\n".data(using: .utf8)!)
    exit(1)
}
