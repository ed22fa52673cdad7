/// Why a policy set, principals file, or request was rejected: which file, where in it
/// (a JSON path such as `policies[3].policyItems[0].accesses[1].type`), and what is wrong.
///
/// One error type for everything the engine parses, so the broker can log it and keep
/// the previous snapshot, and the CLI can print it as is.
public struct PolicyLoadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file (or `"request"`, `"kafka-acls"`) the problem is in.
    public var file: String
    /// A JSON path inside that file; `"$"` is the whole document.
    public var path: String
    public var message: String

    public init(file: String, path: String, message: String) {
        self.file = file
        self.path = path
        self.message = message
    }

    public var description: String { "\(file): \(path): \(message)" }
}
