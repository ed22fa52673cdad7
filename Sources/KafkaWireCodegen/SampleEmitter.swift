/// Emits test samples: for each struct, a value whose fields present at a version all
/// differ from their defaults, so a round trip proves every field is encoded and read.
struct SampleEmitter {
    let message: MessageModel

    func emit() throws -> String {
        var w = SwiftWriter()
        for s in [message.root] + message.structs {
            let typePath = s.name == message.name
                ? message.name : "\(message.name).\(SwiftNaming.typeName(s.name))"
            let conformance = s.name == message.name ? ": SampledMessage" : ""
            try w.block("extension \(typePath)\(conformance)") { w in
                try w.block("static func sample(version: Int16) -> Self") { w in
                    w.line("var value = Self()")
                    for (index, f) in s.fields.enumerated() {
                        let cond = f.versions.condition(in: s.versions)
                        let expr = try sampleValue(f, seed: index + 1)
                        if let cond {
                            w.line("if \(cond) { value.\(SwiftNaming.property(f.name)) = \(expr) }")
                        } else {
                            w.line("value.\(SwiftNaming.property(f.name)) = \(expr)")
                        }
                    }
                    w.line("return value")
                }
            }
            w.line()
        }
        return w.text
    }

    private func sampleValue(_ f: FieldModel, seed: Int) throws -> String {
        switch f.type {
        case .array(let element):
            return "[\(try scalar(element, field: f, seed: seed)), \(try scalar(element, field: f, seed: seed + 1))]"
        default:
            return try scalar(f.type, field: f, seed: seed)
        }
    }

    private func scalar(_ type: WireType, field: FieldModel, seed: Int) throws -> String {
        switch type {
        case .bool:
            return field.defaultText == "true" ? "false" : "true"
        case .int8, .int16, .uint16, .int32, .int64:
            var v = seed * 3 + 1
            if let d = field.defaultText, d == String(v) { v += 1 }
            return String(v)
        case .float64:
            return "\(Double(seed) + 0.5)"
        case .string:
            return "\"\(field.name.lowercased())-\(seed)\""
        case .bytes:
            return "[\(seed), 0, 255]"
        case .records:
            return "ByteBuffer(bytes: [\(seed), 1, 2, 3])"
        case .uuid:
            return "KafkaUUID(high: \(seed), low: 0xFEED)"
        case .structure(let name):
            return "\(message.name).\(SwiftNaming.typeName(name)).sample(version: version)"
        case .array:
            throw CodegenError("arrays of arrays do not occur in Kafka schemas")
        }
    }
}
