import Foundation
import Testing

@testable import KafkaWireCodegen

private let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
private let messagesDirectory = packageRoot.appendingPathComponent("../shared/kafka-protocol/messages").standardized
private let haveSchemas = FileManager.default.fileExists(atPath: messagesDirectory.path)

@Suite struct GeneratorTests {
    /// The committed codec is exactly what the generator makes from the schemas.
    /// Runs where ../shared is present (CI has it); a fresh clone alone skips it.
    @Test(.enabled(if: haveSchemas, "needs ../shared/kafka-protocol/messages"))
    func committedCodeMatchesTheSchemas() throws {
        let files = try KafkaWireGenerator.generate(specs: KafkaWireGenerator.loadSpecs(from: messagesDirectory))
        #expect(files.count == 76)
        for file in files {
            let committed = try? String(contentsOf: packageRoot.appendingPathComponent(file.path), encoding: .utf8)
            #expect(committed == file.contents, "\(file.path) differs from the generator's output: run scripts/generate")
        }
        var onDisk: Set<String> = []
        for dir in [KafkaWireGenerator.codecDirectory, KafkaWireGenerator.samplesDirectory] {
            for name in try FileManager.default.contentsOfDirectory(atPath: packageRoot.appendingPathComponent(dir).path)
            where name.hasSuffix(".swift") {
                onDisk.insert("\(dir)/\(name)")
            }
        }
        #expect(onDisk == Set(files.map(\.path)), "stale or missing generated files")
    }

    /// Generated code carries names, types and versions, never the schemas' prose.
    @Test(.enabled(if: haveSchemas, "needs ../shared/kafka-protocol/messages"))
    func noProseIsCarriedOver() throws {
        let specs = try KafkaWireGenerator.loadSpecs(from: messagesDirectory)
        let output = try KafkaWireGenerator.generate(specs: specs).map(\.contents).joined()
        var abouts: Set<String> = []
        for data in specs.values {
            let text = String(decoding: data, as: UTF8.self)
            for match in text.matches(of: /"about": "([^"]{24,})"/) { abouts.insert(String(match.1)) }
        }
        #expect(abouts.count > 500)
        let leaked = abouts.filter { output.contains($0) }
        #expect(leaked.isEmpty, "prose leaked: \(leaked.prefix(3))")
    }

    @Test func versionRangesParseAndSimplify() throws {
        let scope = try VersionRange(parsing: "3-9")
        #expect(try VersionRange(parsing: "9+").condition(in: scope) == "version >= 9")
        #expect(try VersionRange(parsing: "0-5").condition(in: scope) == "version <= 5")
        #expect(try VersionRange(parsing: "0+").condition(in: scope) == nil)
        #expect(try VersionRange(parsing: "4-6").condition(in: scope) == "(4...6).contains(version)")
        #expect(try VersionRange(parsing: "7").condition(in: scope) == "version == 7")
        #expect(try VersionRange(parsing: "none").condition(in: scope) == "false")
        #expect(try VersionRange(parsing: "12+").intersection(scope).isEmpty)
        #expect(throws: CodegenError.self) { try VersionRange(parsing: "5-2") }
        #expect(throws: CodegenError.self) { try VersionRange(parsing: "x+") }
    }

    @Test func namesBecomeSwiftSpellings() {
        #expect(SwiftNaming.property("TopicData") == "topicData")
        #expect(SwiftNaming.property("ClientId") == "clientId")
        #expect(SwiftNaming.property("Protocol") == "`protocol`")
        #expect(SwiftNaming.constant("TOPIC_AUTHORIZATION_FAILED") == "topicAuthorizationFailed")
        #expect(SwiftNaming.constant("NONE") == "none")
    }

    @Test func aFieldOutsideTheGeneratedVersionsIsLeftOut() throws {
        let json = """
        { "apiKey": 99, "type": "request", "name": "DemoRequest", "validVersions": "0-5",
          // a comment, as the schemas have
          "flexibleVersions": "4+",
          "fields": [
            { "name": "Old", "type": "int32", "versions": "0-1" },
            { "name": "Kept", "type": "string", "versions": "2+", "nullableVersions": "3+", "default": "null" },
            { "name": "Tagged", "type": "int64", "versions": "4+", "taggedVersions": "4+", "tag": "0" }
          ] }
        """
        let model = try MessageModel(spec: MessageSpec.parse(Data(json.utf8)), versions: 2...5)
        #expect(model.root.fields.map(\.name) == ["Kept", "Tagged"])
        #expect(model.root.fields[0].nullable == VersionRange(bounds: 3...5))
        #expect(model.root.fields[1].tag == 0)
        #expect(model.flexible == VersionRange(bounds: 4...5))
        #expect(throws: CodegenError.self) { try MessageModel(spec: MessageSpec.parse(Data(json.utf8)), versions: 0...6) }
    }
}
