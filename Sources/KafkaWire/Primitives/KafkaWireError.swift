/// The one error type of the wire codec.
///
/// Decoders treat input as hostile: every failure is one of these, never a trap.
/// "Need more bytes" is not an error: the frame decoder simply waits for them.
public struct KafkaWireError: Error, Hashable, Sendable, CustomStringConvertible {
    /// An extensible error code, so new cases do not break `switch` in callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public var description: String { name }

        /// The bytes end before a field does (inside a complete frame).
        public static let truncated = Code(name: "truncated")
        /// A value that cannot be valid: negative length, bad UTF-8, varint overflow.
        public static let malformed = Code(name: "malformed")
        /// A length or count over a configured maximum.
        public static let limitExceeded = Code(name: "limitExceeded")
        /// A message version this codec does not implement.
        public static let unsupportedVersion = Code(name: "unsupportedVersion")
        /// An encoder asked to drop a non-default, non-ignorable field.
        public static let unencodableField = Code(name: "unencodableField")
        /// Record batch integrity: CRC mismatch, wrong magic, inconsistent counts.
        public static let corruptBatch = Code(name: "corruptBatch")
        /// A compression codec failed or is unknown.
        public static let compression = Code(name: "compression")
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }

    @usableFromInline
    static func truncated(_ what: StaticString) -> KafkaWireError {
        KafkaWireError(.truncated, "not enough bytes for \(what)")
    }
}
