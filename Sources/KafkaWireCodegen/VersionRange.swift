/// A Kafka schema version range: "0-11", "9+", "3" or "none".
struct VersionRange: Hashable, CustomStringConvertible {
    /// Inclusive bounds; `nil` means the empty range ("none").
    var bounds: ClosedRange<Int>?

    static let none = VersionRange(bounds: nil)

    init(bounds: ClosedRange<Int>?) {
        self.bounds = bounds
    }

    init(parsing text: String) throws {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t == "none" {
            bounds = nil
        } else if t.hasSuffix("+") {
            guard let low = Int(t.dropLast()) else { throw CodegenError("bad version range '\(text)'") }
            bounds = low...Int(Int16.max)
        } else if let dash = t.firstIndex(of: "-") {
            guard let low = Int(t[..<dash]), let high = Int(t[t.index(after: dash)...]), low <= high else {
                throw CodegenError("bad version range '\(text)'")
            }
            bounds = low...high
        } else {
            guard let v = Int(t) else { throw CodegenError("bad version range '\(text)'") }
            bounds = v...v
        }
    }

    var isEmpty: Bool { bounds == nil }

    func intersection(_ other: VersionRange) -> VersionRange {
        guard let a = bounds, let b = other.bounds else { return .none }
        let low = max(a.lowerBound, b.lowerBound)
        let high = min(a.upperBound, b.upperBound)
        return low <= high ? VersionRange(bounds: low...high) : .none
    }

    func contains(_ version: Int) -> Bool { bounds?.contains(version) ?? false }

    /// True when this range holds every version of `scope`.
    func covers(_ scope: VersionRange) -> Bool {
        guard let s = scope.bounds else { return true }
        guard let b = bounds else { return false }
        return b.lowerBound <= s.lowerBound && b.upperBound >= s.upperBound
    }

    /// A Swift condition on `version` that is true exactly for versions in this range,
    /// simplified for the versions that can occur (`scope`). `nil` means always true.
    func condition(in scope: VersionRange, variable: String = "version") -> String? {
        let r = intersection(scope)
        guard let b = r.bounds, let s = scope.bounds else { return "false" }
        if r.covers(scope) { return nil }
        if b.lowerBound <= s.lowerBound { return "\(variable) <= \(b.upperBound)" }
        if b.upperBound >= s.upperBound { return "\(variable) >= \(b.lowerBound)" }
        if b.lowerBound == b.upperBound { return "\(variable) == \(b.lowerBound)" }
        return "(\(b.lowerBound)...\(b.upperBound)).contains(\(variable))"
    }

    var description: String {
        guard let b = bounds else { return "none" }
        return b.lowerBound == b.upperBound ? "\(b.lowerBound)" : "\(b.lowerBound)-\(b.upperBound)"
    }
}

struct CodegenError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
