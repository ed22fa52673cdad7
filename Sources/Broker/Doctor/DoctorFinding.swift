/// One insecure setting `bulwark doctor` (and `serve` at start) reports.
public struct DoctorFinding: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Comparable, CaseIterable {
        case low, medium, high
        public static func < (a: Severity, b: Severity) -> Bool {
            allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
        }
    }

    /// A stable name: `bulwark.doctor.override` lists these.
    public var id: String
    public var severity: Severity
    /// The setting, file or listener concerned.
    public var subject: String
    public var problem: String
    public var fix: String

    public init(id: String, severity: Severity, subject: String, problem: String, fix: String) {
        self.id = id
        self.severity = severity
        self.subject = subject
        self.problem = problem
        self.fix = fix
    }

    public var description: String { "[\(severity.rawValue)] \(id) \(subject): \(problem) Fix: \(fix)" }
}
