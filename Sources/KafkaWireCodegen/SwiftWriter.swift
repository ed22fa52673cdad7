/// Accumulates indented lines of Swift source.
struct SwiftWriter {
    private(set) var text = ""
    private var depth = 0

    mutating func line(_ s: String = "") {
        text += s.isEmpty ? "\n" : String(repeating: "    ", count: depth) + s + "\n"
    }

    /// Writes `header {`, the body one level deeper, then `}` (plus `trailer`).
    mutating func block(_ header: String, trailer: String = "", _ body: (inout SwiftWriter) throws -> Void) rethrows {
        line(header + " {")
        depth += 1
        try body(&self)
        depth -= 1
        line("}" + trailer)
    }

    /// Continues the block just closed: `} else {` (or `} else if … {`).
    mutating func continued(_ header: String, _ body: (inout SwiftWriter) throws -> Void) rethrows {
        let closing = String(repeating: "    ", count: depth) + "}\n"
        precondition(text.hasSuffix(closing), "continued() must follow a block")
        text.removeLast(closing.count)
        line("} " + header + " {")
        depth += 1
        try body(&self)
        depth -= 1
        line("}")
    }

    /// Runs `body` inside `if condition { }`, or directly when the condition is always true.
    mutating func guarded(_ condition: String?, _ body: (inout SwiftWriter) throws -> Void) rethrows {
        if let condition {
            try block("if \(condition)", body)
        } else {
            try body(&self)
        }
    }
}
