/// `*` (any run) and `?` (one byte) matching over bytes, iterative with one backtrack
/// point, so a hostile pattern costs at most pattern × text steps.
enum AuditGlob {
    static func matches(_ pattern: [UInt8], _ text: UnsafeRawBufferPointer) -> Bool {
        var p = 0, t = 0
        var star = -1, mark = 0
        while t < text.count {  // bounded: t advances or star backtracks with t' > previous
            if p < pattern.count && (pattern[p] == UInt8(ascii: "?") || pattern[p] == text[t]) {
                p += 1
                t += 1
            } else if p < pattern.count && pattern[p] == UInt8(ascii: "*") {
                star = p
                mark = t
                p += 1
            } else if star >= 0 {
                p = star + 1
                mark += 1
                t = mark
            } else {
                return false
            }
        }
        while p < pattern.count && pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.count
    }

    static func matches(_ pattern: String, _ text: String) -> Bool {
        var s = text
        return s.withUTF8 { matches(Array(pattern.utf8), UnsafeRawBufferPointer($0)) }
    }

    static func hasWildcard(_ pattern: String) -> Bool { pattern.contains("*") || pattern.contains("?") }
}
