/// A wire type of a field after resolving the schema's type string.
indirect enum WireType: Hashable {
    case bool, int8, int16, uint16, int32, int64, float64, string, bytes, records, uuid
    case array(WireType)
    case structure(String)

    init(parsing text: String) throws {
        if text.hasPrefix("[]") {
            self = .array(try WireType(parsing: String(text.dropFirst(2))))
            return
        }
        switch text {
        case "bool": self = .bool
        case "int8": self = .int8
        case "int16": self = .int16
        case "uint16": self = .uint16
        case "int32": self = .int32
        case "int64": self = .int64
        case "float64": self = .float64
        case "string": self = .string
        case "bytes": self = .bytes
        case "records": self = .records
        case "uuid": self = .uuid
        default:
            guard let first = text.first, first.isUppercase else { throw CodegenError("unknown type '\(text)'") }
            self = .structure(text)
        }
    }
}

/// A field resolved against the versions being generated (`scope`).
struct FieldModel {
    var name: String
    var type: WireType
    var versions: VersionRange
    var nullable: VersionRange
    var tagged: VersionRange
    var tag: Int?
    var defaultText: String?
    var ignorable: Bool
    /// `false` when the field opts out of compact encoding (RequestHeader.ClientId).
    var neverCompact: Bool

    var isOptional: Bool { !nullable.isEmpty }
}

struct StructModel {
    var name: String
    var versions: VersionRange
    var fields: [FieldModel]
}

/// One message (or header) resolved for the versions the codec implements.
struct MessageModel {
    var name: String
    var kind: String
    var apiKey: Int?
    var scope: VersionRange
    var flexible: VersionRange
    var root: StructModel
    /// Nested structs, flattened: Kafka requires struct names to be unique per message.
    var structs: [StructModel]
}

extension MessageModel {
    init(spec: MessageSpec, versions: ClosedRange<Int>) throws {
        let valid = try VersionRange(parsing: spec.validVersions)
        let scope = VersionRange(bounds: versions).intersection(valid)
        guard scope == VersionRange(bounds: versions) else {
            throw CodegenError("\(spec.name): versions \(versions) are not all valid (\(valid))")
        }
        var common: [String: StructSpec] = [:]
        for s in spec.commonStructs ?? [] { common[s.name] = s }

        var structs: [StructModel] = []
        var seen: Set<String> = []

        func resolve(_ fields: [FieldSpec], in scope: VersionRange) throws -> [FieldModel] {
            var out: [FieldModel] = []
            for f in fields {
                let versions = try VersionRange(parsing: f.versions).intersection(scope)
                if versions.isEmpty { continue }
                let type = try WireType(parsing: f.type)
                if case .structure(let name) = type.element, !seen.contains(name) {
                    seen.insert(name)
                    let children: [FieldSpec]
                    var structScope = versions
                    if let inline = f.fields {
                        children = inline
                    } else if let c = common[name] {
                        children = c.fields
                        structScope = try VersionRange(parsing: c.versions).intersection(scope)
                    } else {
                        throw CodegenError("\(spec.name): struct \(name) has no definition")
                    }
                    // Insert before recursing so the outer struct stays first in the file.
                    let index = structs.count
                    structs.append(StructModel(name: name, versions: structScope, fields: []))
                    structs[index].fields = try resolve(children, in: structScope)
                }
                let tagged = try f.taggedVersions.map { try VersionRange(parsing: $0) } ?? .none
                out.append(FieldModel(
                    name: f.name,
                    type: type,
                    versions: versions,
                    nullable: try f.nullableVersions.map { try VersionRange(parsing: $0) }?.intersection(versions) ?? .none,
                    tagged: tagged.intersection(versions),
                    tag: f.tag,
                    defaultText: f.default?.text,
                    ignorable: f.ignorable ?? false,
                    neverCompact: f.flexibleVersions == "none"
                ))
            }
            return out
        }

        let rootFields = try resolve(spec.fields, in: scope)
        self.init(
            name: spec.name,
            kind: spec.type,
            apiKey: spec.apiKey,
            scope: scope,
            flexible: try VersionRange(parsing: spec.flexibleVersions).intersection(scope),
            root: StructModel(name: spec.name, versions: scope, fields: rootFields),
            structs: structs
        )
    }

    func structModel(named name: String) -> StructModel? {
        name == root.name ? root : structs.first { $0.name == name }
    }
}

extension WireType {
    /// The element type of an array, or the type itself.
    var element: WireType {
        if case .array(let e) = self { return e }
        return self
    }
}
