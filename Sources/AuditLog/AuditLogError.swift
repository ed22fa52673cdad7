/// The one error type of the audit log. `code` is for programs, `message` for people.
public struct AuditLogError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let name: String
        public static let io = Code(name: "io")
        public static let corrupt = Code(name: "corrupt")
        public static let badKey = Code(name: "badKey")
        public static let config = Code(name: "config")
        public static let closed = Code(name: "closed")
        /// The event could not be persisted and its failure mode is fail-closed.
        public static let notPersisted = Code(name: "notPersisted")
        public var description: String { name }
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
