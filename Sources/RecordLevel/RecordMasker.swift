import KafkaWire
import NIOCore
import PolicyEngine

/// Applies a plan's data masks to one record.
///
/// JSON values are edited in place: each masked field's bytes are replaced and every
/// other byte of the value stays exactly as produced (no re-serialisation). A masked
/// string is written back as a JSON string escaping only `"`, `\` and control
/// characters; numbers stay numbers (MASK, SHOW_FIRST/LAST_4, DATE_SHOW_YEAR); MASK_HASH
/// gives a string; MASK_NULL gives `null`; objects, arrays and booleans under a
/// character mask become `null` (they cannot be partly shown).
enum RecordMasker {
    enum Outcome {
        case unchanged
        case masked(Record, policies: Set<Int64>)
        case drop
    }

    static func mask(_ record: Record, _ view: inout RecordView, _ plan: RecordLevelPlan) -> Outcome {
        guard !plan.rules.masks.isEmpty else { return .unchanged }
        var out = record
        var policies: Set<Int64> = []
        var edits: [(span: Range<Int>, text: [UInt8])] = []
        var valueMaskApplies = false
        for (i, rule) in plan.rules.masks.enumerated() {
            if let condition = rule.condition, !condition.matches(&view) { continue }
            let mask = plan.masks[i]
            switch rule.field {
            case .key:
                guard let key = record.key else { continue }
                out.key = maskBytes(key, mask, rule, &view)
                policies.insert(rule.policyId)
            case .header(let name):
                for h in out.headers.indices where out.headers[h].key == name {
                    guard let value = out.headers[h].value else { continue }
                    out.headers[h].value = maskBytes(value, mask, rule, &view)
                    policies.insert(rule.policyId)
                }
            case .field:
                guard record.value != nil, let slot = plan.maskSlots[i] else { continue }
                valueMaskApplies = true
                guard let spans = view.scanned() else { continue }
                guard let span = spans[slot] else { continue }
                let original = record.value!.withUnsafeReadableBytes { JSONPathScanner.ruleValue(UnsafeRawBufferPointer(rebasing: $0[span])) }
                let raw = record.value!.withUnsafeReadableBytes { Array($0[span]) }
                edits.append((span, maskJSON(raw, original, mask, rule, &view)))
                policies.insert(rule.policyId)
            default:
                continue
            }
        }
        if valueMaskApplies, view.scanned() == nil {
            switch plan.nonJSON {
            case .drop: return .drop
            case .null:
                out.value = nil
                policies.formUnion(plan.rules.masks.filter { if case .field = $0.field { true } else { false } }.map(\.policyId))
            }
        } else if !edits.isEmpty, let value = record.value {
            out.value = splice(value, edits)
        }
        return policies.isEmpty ? .unchanged : .masked(out, policies: policies)
    }

    /// A key or header value: its text masked; null for MASK_NULL.
    static func maskBytes(_ bytes: ByteBuffer, _ mask: DataMask, _ rule: RecordRules.Mask, _ view: inout RecordView) -> ByteBuffer? {
        let text = String(buffer: bytes)
        let output: DataMask.Output
        if mask.kind == .custom {
            output = switch rule.value?.evaluate(&view, column: .string(text)) ?? .null {
            case .string(let s), .composite(let s): .text(s)
            case .number(let n): .text(n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n))
            case .bool(let b): .text(b ? "true" : "false")
            case .null: .null
            }
        } else if mask.kind == .hash {
            output = .text(mask.hash(Array(bytes.readableBytesView)))
        } else {
            output = mask.text(text)
        }
        switch output {
        case .text(let s), .json(let s): return ByteBuffer(string: s)
        case .null: return nil
        }
    }

    /// The JSON text that replaces a masked field's value.
    static func maskJSON(_ raw: [UInt8], _ value: RuleValue, _ mask: DataMask, _ rule: RecordRules.Mask, _ view: inout RecordView) -> [UInt8] {
        let output: DataMask.Output
        if mask.kind == .custom {
            switch rule.value?.evaluate(&view, column: value) ?? .null {
            case .string(let s): output = .text(s)
            case .number(let n): output = n.isFinite ? .json(n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)) : .null
            case .bool(let b): output = .json(b ? "true" : "false")
            case .composite(let s): output = .json(s)
            case .null: output = .null
            }
        } else if mask.kind == .null {
            output = .null
        } else if mask.kind == .hash {
            // A string hashes as its text, so it joins with the same text in a key or header.
            if case .string(let s) = value { output = .text(mask.hash(Array(s.utf8))) } else { output = .text(mask.hash(raw)) }
        } else {
            switch value {
            case .string(let s): output = mask.text(s)
            case .number: output = mask.number(String(decoding: raw, as: UTF8.self))
            case .null: output = .null
            case .bool, .composite: output = .null
            }
        }
        var out: [UInt8] = []
        switch output {
        case .text(let s): JSONPathScanner.encodeString(s, into: &out)
        case .json(let s): out = Array(s.utf8)
        case .null: out = Array("null".utf8)
        }
        return out
    }

    /// The value with each span replaced; a span inside an earlier replaced one is
    /// skipped (masking `value.a` already covers `value.a.b`).
    static func splice(_ value: ByteBuffer, _ edits: [(span: Range<Int>, text: [UInt8])]) -> ByteBuffer {
        let ordered = edits.sorted { $0.span.lowerBound != $1.span.lowerBound ? $0.span.lowerBound < $1.span.lowerBound : $0.span.count > $1.span.count }
        var out = ByteBuffer()
        out.reserveCapacity(value.readableBytes + 64)
        value.withUnsafeReadableBytes { bytes in
            var at = 0
            for edit in ordered where edit.span.lowerBound >= at {
                out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[at..<edit.span.lowerBound]))
                out.writeBytes(edit.text)
                at = edit.span.upperBound
            }
            out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[at...]))
        }
        return out
    }
}
