import PolicyEngine

/// The JSON paths a set of rules reads, as a trie, so one pass over a record's value
/// finds all of them.
struct JSONPathTrie: Sendable {
    struct Node: Sendable {
        var members: [(name: [UInt8], child: Int)] = []
        var indices: [(index: Int, child: Int)] = []
        var slot: Int?
    }

    private(set) var nodes: [Node] = [Node()]
    /// Path → slot number (the slot indexes the spans a scan returns).
    private(set) var slots: [[RulePathSegment]: Int] = [:]

    var isEmpty: Bool { slots.isEmpty }
    var slotCount: Int { slots.count }

    /// Adds a path (once) and returns its slot.
    @discardableResult
    mutating func insert(_ path: [RulePathSegment]) -> Int {
        if let slot = slots[path] { return slot }
        var node = 0
        for segment in path {
            switch segment {
            case .member(let name):
                let bytes = Array(name.utf8)
                if let found = nodes[node].members.first(where: { $0.name == bytes }) {
                    node = found.child
                } else {
                    nodes.append(Node())
                    nodes[node].members.append((bytes, nodes.count - 1))
                    node = nodes.count - 1
                }
            case .index(let i):
                if let found = nodes[node].indices.first(where: { $0.index == i }) {
                    node = found.child
                } else {
                    nodes.append(Node())
                    nodes[node].indices.append((i, nodes.count - 1))
                    node = nodes.count - 1
                }
            }
        }
        let slot = slots.count
        nodes[node].slot = slot
        slots[path] = slot
        return slot
    }
}

/// A validating single-pass JSON scanner (RFC 8259, nesting bounded) that records the
/// byte range of each value the trie asks for. It never builds a tree: unwanted values
/// are only checked and skipped, which is what makes filtering fast.
struct JSONPathScanner {
    static let maxDepth = 128

    let bytes: UnsafeRawBufferPointer
    let trie: JSONPathTrie
    var spans: [Range<Int>?]

    private struct Invalid: Error {}

    /// The span of each slot's value (nil where the value has no such path); nil when
    /// the bytes are not one valid JSON document.
    static func scan(_ bytes: UnsafeRawBufferPointer, trie: JSONPathTrie) -> [Range<Int>?]? {
        var scanner = JSONPathScanner(bytes: bytes, trie: trie, spans: Array(repeating: nil, count: trie.slotCount))
        do {
            var i = scanner.skipSpace(0)
            i = try scanner.value(i, node: 0, depth: 0)
            i = scanner.skipSpace(i)
            guard i == bytes.count else { return nil }
            return scanner.spans
        } catch {
            return nil
        }
    }

    private func byte(_ i: Int) throws(Invalid) -> UInt8 {
        guard i < bytes.count else { throw Invalid() }
        return bytes[i]
    }

    func skipSpace(_ start: Int) -> Int {
        var i = start
        while i < bytes.count {
            let b = bytes[i]
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { break }
            i += 1
        }
        return i
    }

    /// Scans the value at `i` (no leading space); returns the index after it.
    private mutating func value(_ i: Int, node: Int?, depth: Int) throws(Invalid) -> Int {
        guard depth < Self.maxDepth else { throw Invalid() }
        let end: Int
        switch try byte(i) {
        case UInt8(ascii: "{"): end = try object(i, node: node, depth: depth)
        case UInt8(ascii: "["): end = try array(i, node: node, depth: depth)
        case UInt8(ascii: "\""): end = try string(i).end
        case UInt8(ascii: "t"): end = try literal(i, "true")
        case UInt8(ascii: "f"): end = try literal(i, "false")
        case UInt8(ascii: "n"): end = try literal(i, "null")
        default: end = try number(i)
        }
        if let node, let slot = trie.nodes[node].slot { spans[slot] = i..<end }
        return end
    }

    private mutating func object(_ start: Int, node: Int?, depth: Int) throws(Invalid) -> Int {
        var i = skipSpace(start + 1)
        if try byte(i) == UInt8(ascii: "}") { return i + 1 }
        let members = node.map { trie.nodes[$0].members } ?? []
        while true {
            guard try byte(i) == UInt8(ascii: "\"") else { throw Invalid() }
            let key = try string(i)
            var child: Int?
            if !members.isEmpty {
                child = key.escaped ? memberByDecoding(key.start + 1..<key.end - 1, members)
                                    : member(key.start + 1..<key.end - 1, members)
            }
            i = skipSpace(key.end)
            guard try byte(i) == UInt8(ascii: ":") else { throw Invalid() }
            i = try value(skipSpace(i + 1), node: child, depth: depth + 1)
            i = skipSpace(i)
            let b = try byte(i)
            if b == UInt8(ascii: "}") { return i + 1 }
            guard b == UInt8(ascii: ",") else { throw Invalid() }
            i = skipSpace(i + 1)
        }
    }

    private func member(_ range: Range<Int>, _ members: [(name: [UInt8], child: Int)]) -> Int? {
        for m in members where m.name.count == range.count {
            var same = true
            for (k, b) in m.name.enumerated() where bytes[range.lowerBound + k] != b { same = false; break }
            if same { return m.child }
        }
        return nil
    }

    private func memberByDecoding(_ range: Range<Int>, _ members: [(name: [UInt8], child: Int)]) -> Int? {
        guard let decoded = Self.decodeString(UnsafeRawBufferPointer(rebasing: bytes[range])) else { return nil }
        let name = Array(decoded.utf8)
        return members.first { $0.name == name }?.child
    }

    private mutating func array(_ start: Int, node: Int?, depth: Int) throws(Invalid) -> Int {
        var i = skipSpace(start + 1)
        if try byte(i) == UInt8(ascii: "]") { return i + 1 }
        let indices = node.map { trie.nodes[$0].indices } ?? []
        var index = 0
        while true {
            let child = indices.isEmpty ? nil : indices.first(where: { $0.index == index })?.child
            i = skipSpace(try value(i, node: child, depth: depth + 1))
            let b = try byte(i)
            if b == UInt8(ascii: "]") { return i + 1 }
            guard b == UInt8(ascii: ",") else { throw Invalid() }
            i = skipSpace(i + 1)
            index += 1
        }
    }

    /// A string starting at the quote at `start`: its end (after the closing quote) and
    /// whether it has escapes.
    private func string(_ start: Int) throws(Invalid) -> (start: Int, end: Int, escaped: Bool) {
        var i = start + 1
        var escaped = false
        while true {
            let b = try byte(i)
            if b == UInt8(ascii: "\"") { return (start, i + 1, escaped) }
            if b < 0x20 { throw Invalid() }
            if b == UInt8(ascii: "\\") {
                escaped = true
                let e = try byte(i + 1)
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    i += 2
                case UInt8(ascii: "u"):
                    for k in 2..<6 {
                        guard Self.hexValue(try byte(i + k)) != nil else { throw Invalid() }
                    }
                    i += 6
                default: throw Invalid()
                }
                continue
            }
            i += 1
        }
    }

    private func literal(_ i: Int, _ word: StaticString) throws(Invalid) -> Int {
        let count = word.utf8CodeUnitCount
        guard i + count <= bytes.count else { throw Invalid() }
        for k in 0..<count where bytes[i + k] != word.utf8Start[k] { throw Invalid() }
        return i + count
    }

    private func number(_ start: Int) throws(Invalid) -> Int {
        var i = start
        func isDigit(_ j: Int) -> Bool { j < bytes.count && bytes[j] >= 0x30 && bytes[j] <= 0x39 }
        if i < bytes.count, bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard isDigit(i) else { throw Invalid() }
        if bytes[i] == UInt8(ascii: "0") { i += 1 } else { while isDigit(i) { i += 1 } }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard isDigit(i) else { throw Invalid() }
            while isDigit(i) { i += 1 }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard isDigit(i) else { throw Invalid() }
            while isDigit(i) { i += 1 }
        }
        return i
    }

    static func hexValue(_ b: UInt8) -> UInt32? {
        switch b {
        case 0x30...0x39: UInt32(b - 0x30)
        case 0x41...0x46: UInt32(b - 0x41 + 10)
        case 0x61...0x66: UInt32(b - 0x61 + 10)
        default: nil
        }
    }

    /// The text of a string's contents (between the quotes), escapes decoded; lone
    /// surrogates become U+FFFD. Nil when an escape is malformed.
    static func decodeString(_ raw: UnsafeRawBufferPointer) -> String? {
        if !raw.contains(UInt8(ascii: "\\")) { return String(decoding: raw, as: UTF8.self) }
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = 0
        func hex4(_ j: Int) -> UInt32? {
            guard j + 4 <= raw.count else { return nil }
            var v: UInt32 = 0
            for k in 0..<4 { guard let h = hexValue(raw[j + k]) else { return nil }; v = v << 4 | h }
            return v
        }
        while i < raw.count {
            let b = raw[i]
            guard b == UInt8(ascii: "\\") else { out.append(b); i += 1; continue }
            guard i + 1 < raw.count else { return nil }
            let e = raw[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                guard var scalar = hex4(i) else { return nil }
                i += 4
                if (0xD800..<0xDC00).contains(scalar), i + 6 <= raw.count, raw[i] == UInt8(ascii: "\\"), raw[i + 1] == UInt8(ascii: "u"),
                   let low = hex4(i + 2), (0xDC00..<0xE000).contains(low) {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                }
                out.append(contentsOf: Array(String(Unicode.Scalar(scalar).map(Character.init) ?? "\u{FFFD}").utf8))
            default: out.append(e)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The rule value of the JSON text in `raw` (one valid value, as the scan found it).
    static func ruleValue(_ raw: UnsafeRawBufferPointer) -> RuleValue {
        guard let first = raw.first else { return .null }
        switch first {
        case UInt8(ascii: "\""):
            return decodeString(UnsafeRawBufferPointer(rebasing: raw[1..<raw.count - 1])).map(RuleValue.string) ?? .null
        case UInt8(ascii: "t"): return .bool(true)
        case UInt8(ascii: "f"): return .bool(false)
        case UInt8(ascii: "n"): return .null
        case UInt8(ascii: "{"), UInt8(ascii: "["): return .composite(String(decoding: raw, as: UTF8.self))
        default: return Double(String(decoding: raw, as: UTF8.self)).map(RuleValue.number) ?? .null
        }
    }

    /// A JSON string literal for `text`: `"` and `\` escaped, control characters as \u00XX.
    static func encodeString(_ text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xF)]])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
