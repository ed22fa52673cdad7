/// Swift spellings of schema names, types and default values.
enum SwiftNaming {
    static let keywords: Set<String> = [
        "as", "associatedtype", "break", "case", "catch", "class", "continue", "default", "defer", "deinit",
        "do", "else", "enum", "extension", "fallthrough", "false", "fileprivate", "for", "func", "guard", "if",
        "import", "in", "init", "inout", "internal", "is", "let", "nil", "operator", "private", "protocol",
        "public", "repeat", "rethrows", "return", "self", "static", "struct", "subscript", "super", "switch",
        "throw", "throws", "true", "try", "typealias", "var", "where", "while",
    ]

    /// `TopicData` -> `topicData`; leading acronyms are lowered whole (`IPAddress` -> `ipAddress`).
    static func property(_ name: String) -> String {
        let chars = Array(name)
        var upperRun = 0
        while upperRun < chars.count, chars[upperRun].isUppercase { upperRun += 1 }
        let lowerCount: Int
        if upperRun <= 1 || upperRun == chars.count {
            lowerCount = upperRun == chars.count ? upperRun : 1
        } else {
            lowerCount = upperRun - 1
        }
        let result = String(chars[..<lowerCount]).lowercased() + String(chars[lowerCount...])
        return keywords.contains(result) ? "`\(result)`" : result
    }

    /// `PartitionData` stays as is; kept distinct from Swift names the code relies on.
    static func typeName(_ name: String) -> String {
        ["Type", "Protocol", "Self", "Any", "String", "Error"].contains(name) ? "Kafka\(name)" : name
    }

    /// `TOPIC_AUTHORIZATION_FAILED` -> `topicAuthorizationFailed`.
    static func constant(_ screaming: String) -> String {
        let parts = screaming.lowercased().split(separator: "_")
        let head = String(parts.first ?? "")
        let joined = head + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        return keywords.contains(joined) ? "`\(joined)`" : joined
    }

    /// `ListOffsets` -> `listOffsets`.
    static func lowerFirst(_ name: String) -> String {
        property(name)
    }

    static func swiftType(_ type: WireType) -> String {
        switch type {
        case .bool: "Bool"
        case .int8: "Int8"
        case .int16: "Int16"
        case .uint16: "UInt16"
        case .int32: "Int32"
        case .int64: "Int64"
        case .float64: "Double"
        case .string: "String"
        case .bytes: "[UInt8]"
        case .records: "ByteBuffer"
        case .uuid: "KafkaUUID"
        case .array(let e): "[\(swiftType(e))]"
        case .structure(let name): typeName(name)
        }
    }

    static func swiftType(_ field: FieldModel) -> String {
        swiftType(field.type) + (field.isOptional ? "?" : "")
    }

    /// The Swift expression for the field's default value.
    static func defaultValue(_ field: FieldModel) throws -> String {
        let text = field.defaultText
        if field.isOptional, text == "null" || field.type == .records { return "nil" }
        if text == "null" { throw CodegenError("\(field.name): null default on a non-nullable field") }
        switch field.type {
        case .bool:
            return text == "true" ? "true" : "false"
        case .int8, .int16, .uint16, .int32, .int64:
            guard let text else { return "0" }
            if text.hasPrefix("0x") {
                guard let v = Int64(text.dropFirst(2), radix: 16) else { throw CodegenError("bad default \(text)") }
                return String(v)
            }
            guard let v = Int64(text) else { throw CodegenError("\(field.name): bad default \(text)") }
            return String(v)
        case .float64:
            return text.flatMap { Double($0) }.map { String($0) } ?? "0"
        case .string:
            return "\"\(text ?? "")\""
        case .bytes, .array:
            return "[]"
        case .records:
            return "ByteBuffer()"
        case .uuid:
            return ".zero"
        case .structure(let name):
            return "\(typeName(name))()"
        }
    }
}
