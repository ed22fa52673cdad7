/// Kafka's `server.properties` format: `key=value` (or `key: value`) lines, `#` and `!`
/// comments, and backslash line continuations. Later keys win, as in java.util.Properties.
public struct ServerProperties: Sendable, Equatable {
    public private(set) var values: [String: String] = [:]
    /// Keys in the order they first appeared, for stable warnings.
    public private(set) var order: [String] = []

    public init(_ values: [String: String] = [:]) {
        for (k, v) in values.sorted(by: { $0.key < $1.key }) { set(k, v) }
    }

    public init(parsing text: String) {
        var logical: [String] = []
        var pending = ""
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = String(raw)
            if line.hasSuffix("\r") { line.removeLast() }
            let trimmedStart = String(line.drop(while: { $0 == " " || $0 == "\t" }))
            if pending.isEmpty, trimmedStart.isEmpty || trimmedStart.hasPrefix("#") || trimmedStart.hasPrefix("!") { continue }
            if trimmedStart.hasSuffix("\\") {
                pending += trimmedStart.dropLast()
                continue
            }
            logical.append(pending + trimmedStart)
            pending = ""
        }
        if !pending.isEmpty { logical.append(pending) }
        for line in logical {
            guard let sep = line.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
                set(line.trimmingWhitespace(), "")
                continue
            }
            set(String(line[..<sep]).trimmingWhitespace(), String(line[line.index(after: sep)...]).trimmingWhitespace())
        }
    }

    public subscript(key: String) -> String? { values[key] }

    public mutating func set(_ key: String, _ value: String) {
        if values[key] == nil { order.append(key) }
        values[key] = value
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}
