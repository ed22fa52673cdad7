import Foundation

/// One message schema file as Kafka writes it (only the keys the generator uses).
struct MessageSpec: Decodable {
    var apiKey: Int?
    var type: String
    var name: String
    var validVersions: String
    var flexibleVersions: String
    var fields: [FieldSpec]
    var commonStructs: [StructSpec]?
    var latestVersionUnstable: Bool?
}

struct StructSpec: Decodable {
    var name: String
    var versions: String
    var fields: [FieldSpec]
}

struct FieldSpec: Decodable {
    var name: String
    var type: String
    var versions: String
    var nullableVersions: String?
    var taggedVersions: String?
    var tagValue: DefaultValue?
    var `default`: DefaultValue?
    var ignorable: Bool?
    var flexibleVersions: String?
    var fields: [FieldSpec]?

    /// Some schemas spell the tag as a string.
    var tag: Int? { tagValue.flatMap { Int($0.text) } }

    enum CodingKeys: String, CodingKey {
        case name, type, versions, nullableVersions, taggedVersions, `default`, ignorable, flexibleVersions, fields
        case tagValue = "tag"
    }
}

/// Defaults appear as strings, numbers or booleans in the schemas.
struct DefaultValue: Decodable {
    var text: String

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) {
            text = s
        } else if let b = try? c.decode(Bool.self) {
            text = b ? "true" : "false"
        } else {
            text = String(try c.decode(Int64.self))
        }
    }
}

extension MessageSpec {
    /// Parses one schema file. The files carry `//` comments, which JSON5 mode accepts.
    static func parse(_ data: Data) throws -> MessageSpec {
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true
        return try decoder.decode(MessageSpec.self, from: data)
    }
}
