/// Emits the `init(from:version:)` and `encode(into:version:)` bodies of one struct.
struct CodecEmitter {
    let message: MessageModel
    let structure: StructModel

    var scope: VersionRange { structure.versions }

    /// How the code spells "this version is flexible": a literal when it is the same
    /// for every version in scope, otherwise the local `flexible`.
    var flexibleExpression: String {
        let f = message.flexible.intersection(scope)
        if f.isEmpty { return "false" }
        if f.covers(scope) { return "true" }
        return "flexible"
    }

    func emitFlexibleLocal(_ w: inout SwiftWriter) {
        if flexibleExpression == "flexible", let cond = message.flexible.condition(in: scope) {
            w.line("let flexible = \(cond)")
        }
    }

    func compact(_ field: FieldModel) -> String {
        field.neverCompact ? "false" : flexibleExpression
    }

    /// Fields written in the regular (non-tagged) part at some version.
    var regularFields: [FieldModel] {
        structure.fields.filter { !$0.tagged.covers($0.versions) }
    }

    var taggedFields: [FieldModel] {
        structure.fields.filter { !$0.tagged.isEmpty }.sorted { ($0.tag ?? 0) < ($1.tag ?? 0) }
    }

    /// The condition under which a field is in the regular part.
    func regularCondition(_ field: FieldModel) -> String? {
        if field.tagged.isEmpty { return field.versions.condition(in: scope) }
        // Present but not tagged: versions minus tagged versions. Kafka only tags a field
        // from some version on, so the untagged part is the lower end.
        guard let v = field.versions.bounds, let t = field.tagged.bounds else { return nil }
        return VersionRange(bounds: v.lowerBound...(t.lowerBound - 1)).condition(in: scope)
    }

    // MARK: Decoding

    func emitDecode(_ w: inout SwiftWriter) throws {
        emitFlexibleLocal(&w)
        for field in regularFields {
            let prop = "self." + SwiftNaming.property(field.name)
            try w.guarded(regularCondition(field)) { w in
                try emitRead(field, into: prop, buffer: "buffer", &w)
            }
        }
        if flexibleExpression != "false" {
            try w.guarded(flexibleExpression == "true" ? nil : "flexible") { w in
                w.line("let taggedCount = try buffer.kafkaReadTaggedFieldCount()")
                try w.block("for _ in 0..<taggedCount") { w in
                    if taggedFields.isEmpty {
                        w.line("let (tag, body) = try buffer.kafkaReadTaggedField()")
                        w.line("self.unknownTaggedFields.append(TaggedField(tag: tag, body: body))")
                        return
                    }
                    w.line("var (tag, body) = try buffer.kafkaReadTaggedField()")
                    try w.block("switch tag") { w in
                        for field in taggedFields {
                            let cond = field.tagged.condition(in: scope)
                            w.line("case \(field.tag ?? 0)\(cond.map { " where \($0)" } ?? ""):")
                            var inner = SwiftWriter()
                            try emitRead(field, into: "self." + SwiftNaming.property(field.name), buffer: "body", &inner)
                            for l in inner.text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
                                w.line("    " + l)
                            }
                        }
                        w.line("default:")
                        w.line("    self.unknownTaggedFields.append(TaggedField(tag: tag, body: body))")
                    }
                }
            }
        }
    }

    /// Reads one value of `field` into `target`.
    func emitRead(_ field: FieldModel, into target: String, buffer: String, _ w: inout SwiftWriter) throws {
        let c = compact(field)
        switch field.type {
        case .array(let element):
            let minSize = minElementSize(element, field: field)
            w.block("if let count = try \(buffer).kafkaReadArrayCount(compact: \(c), minElementSize: \(minSize))") { w in
                w.line("var items: [\(SwiftNaming.swiftType(element))] = []")
                w.line("items.reserveCapacity(count)")
                w.block("for _ in 0..<count") { w in
                    w.line("items.append(\(readExpression(element, optional: false, compact: c, buffer: buffer)))")
                }
                w.line("\(target) = items")
            }
            w.continued("else") { w in
                if field.isOptional {
                    w.line("\(target) = nil")
                } else {
                    w.line("throw KafkaWireError(.malformed, \"null array \(field.name)\")")
                }
            }
        default:
            w.line("\(target) = \(readExpression(field.type, optional: field.isOptional, compact: c, buffer: buffer))")
        }
        if field.isOptional, let cond = field.nullable.condition(in: field.versions) {
            w.block("if \(target) == nil, !(\(cond))") { w in
                w.line("throw KafkaWireError(.malformed, \"null \(field.name) at version \\(version)\")")
            }
        }
    }

    func readExpression(_ type: WireType, optional: Bool, compact c: String, buffer b: String) -> String {
        switch type {
        case .bool: return "try \(b).kafkaReadBool()"
        case .int8, .int16, .uint16, .int32, .int64:
            return "try \(b).kafkaReadInteger(as: \(SwiftNaming.swiftType(type)).self)"
        case .float64: return "try \(b).kafkaReadFloat64()"
        case .uuid: return "try \(b).kafkaReadUUID()"
        case .string:
            return optional ? "try \(b).kafkaReadNullableString(compact: \(c))" : "try \(b).kafkaReadString(compact: \(c))"
        case .bytes:
            return optional ? "try \(b).kafkaReadNullableBytes(compact: \(c))" : "try \(b).kafkaReadBytes(compact: \(c))"
        case .records:
            return optional
                ? "try \(b).kafkaReadRecords(compact: \(c))"
                : "try \(b).kafkaReadRecords(compact: \(c)) ?? ByteBuffer()"
        case .structure(let name):
            let t = SwiftNaming.typeName(name)
            return optional
                ? "try \(b).kafkaReadInteger(as: Int8.self) < 0 ? nil : \(t)(from: &\(b), version: version)"
                : "try \(t)(from: &\(b), version: version)"
        case .array:
            fatalError("arrays of arrays do not occur in Kafka schemas")
        }
    }

    // MARK: Encoding

    func emitEncode(_ w: inout SwiftWriter) throws {
        emitFlexibleLocal(&w)
        for field in regularFields {
            let prop = "self." + SwiftNaming.property(field.name)
            let cond = regularCondition(field)
            if let cond {
                try w.block("if \(cond)") { w in try emitWrite(field, value: prop, buffer: "buffer", &w) }
                // Kafka: dropping a non-default, non-ignorable field must fail, not lose data.
                if !field.ignorable, field.tagged.isEmpty {
                    try w.continued("else if \(prop) != \(SwiftNaming.defaultValue(field))") { w in
                        w.line("throw KafkaWireError(.unencodableField, \"\(field.name) is not in version \\(version)\")")
                    }
                }
            } else {
                try emitWrite(field, value: prop, buffer: "buffer", &w)
            }
        }
        if flexibleExpression != "false" {
            try w.guarded(flexibleExpression == "true" ? nil : "flexible") { w in
                if taggedFields.isEmpty {
                    w.line("buffer.kafkaWriteUnsignedVarint(UInt32(self.unknownTaggedFields.count))")
                } else {
                    w.line("var taggedCount = self.unknownTaggedFields.count")
                    for field in taggedFields {
                        w.line("if \(try presentTagged(field)) { taggedCount += 1 }")
                    }
                    w.line("buffer.kafkaWriteUnsignedVarint(UInt32(taggedCount))")
                    for field in taggedFields {
                        try w.block("if \(try presentTagged(field))") { w in
                            try w.block("try buffer.kafkaWriteTaggedField(tag: \(field.tag ?? 0))") { w in
                                w.line("(body: inout ByteBuffer) throws(KafkaWireError) in")
                                try emitWrite(field, value: "self." + SwiftNaming.property(field.name), buffer: "body", &w)
                            }
                        }
                    }
                }
                w.line("buffer.kafkaWriteUnknownTaggedFields(self.unknownTaggedFields)")
            }
        }
    }

    func presentTagged(_ field: FieldModel) throws -> String {
        let prop = "self." + SwiftNaming.property(field.name)
        let notDefault = "\(prop) != \(try SwiftNaming.defaultValue(field))"
        if let cond = field.tagged.condition(in: scope) { return "\(cond) && \(notDefault)" }
        return notDefault
    }

    func emitWrite(_ field: FieldModel, value: String, buffer: String, _ w: inout SwiftWriter) throws {
        let c = compact(field)
        if field.isOptional, let cond = field.nullable.condition(in: field.versions) {
            w.block("if \(value) == nil, !(\(cond))") { w in
                w.line("throw KafkaWireError(.unencodableField, \"null \(field.name) at version \\(version)\")")
            }
        }
        switch field.type {
        case .array(let element):
            if field.isOptional {
                w.block("if let items = \(value)") { w in
                    w.line("\(buffer).kafkaWriteArrayCount(items.count, compact: \(c))")
                    w.block("for item in items") { w in emitWriteValue(element, optional: false, value: "item", compact: c, buffer: buffer, &w) }
                }
                w.continued("else") { w in w.line("\(buffer).kafkaWriteArrayCount(nil, compact: \(c))") }
            } else {
                w.line("\(buffer).kafkaWriteArrayCount(\(value).count, compact: \(c))")
                w.block("for item in \(value)") { w in emitWriteValue(element, optional: false, value: "item", compact: c, buffer: buffer, &w) }
            }
        default:
            emitWriteValue(field.type, optional: field.isOptional, value: value, compact: c, buffer: buffer, &w)
        }
    }

    func emitWriteValue(_ type: WireType, optional: Bool, value v: String, compact c: String, buffer b: String, _ w: inout SwiftWriter) {
        switch type {
        case .bool: w.line("\(b).kafkaWriteBool(\(v))")
        case .int8, .int16, .uint16, .int32, .int64: w.line("\(b).kafkaWriteInteger(\(v))")
        case .float64: w.line("\(b).kafkaWriteFloat64(\(v))")
        case .uuid: w.line("\(b).kafkaWriteUUID(\(v))")
        case .string: w.line("try \(b).kafkaWriteString(\(v), compact: \(c))")
        case .bytes: w.line("\(b).kafkaWriteBytes(\(v), compact: \(c))")
        case .records: w.line("\(b).kafkaWriteRecords(\(v), compact: \(c))")
        case .structure:
            if optional {
                w.block("if let value = \(v)") { w in
                    w.line("\(b).kafkaWriteInteger(Int8(1))")
                    w.line("try value.encode(into: &\(b), version: version)")
                }
                w.continued("else") { w in w.line("\(b).kafkaWriteInteger(Int8(-1))") }
            } else {
                w.line("try \(v).encode(into: &\(b), version: version)")
            }
        case .array:
            fatalError("arrays of arrays do not occur in Kafka schemas")
        }
    }

    // MARK: Sizes

    /// The fewest bytes one array element can occupy at any version the field has,
    /// which bounds a hostile array count by the bytes left in the frame.
    func minElementSize(_ element: WireType, field: FieldModel) -> Int {
        guard let b = field.versions.bounds else { return 1 }
        return (b.lowerBound...b.upperBound).map { minSize(element, optional: false, compact: !field.neverCompact && message.flexible.contains($0), version: $0) }.min() ?? 1
    }

    func minSize(_ type: WireType, optional: Bool, compact: Bool, version: Int) -> Int {
        switch type {
        case .bool, .int8: return 1
        case .int16, .uint16: return 2
        case .int32: return 4
        case .int64, .float64: return 8
        case .uuid: return 16
        case .string: return compact ? 1 : 2
        case .bytes, .records, .array: return compact ? 1 : 4
        case .structure(let name):
            if optional { return 1 }
            guard let s = message.structModel(named: name) else { return 0 }
            var total = message.flexible.contains(version) ? 1 : 0
            for f in s.fields where f.versions.contains(version) && !f.tagged.contains(version) {
                total += minSize(f.type, optional: f.isOptional, compact: !f.neverCompact && message.flexible.contains(version), version: version)
            }
            return total
        }
    }
}
