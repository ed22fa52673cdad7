/// The security layer's one error type: a code callers switch on and a message that
/// never contains a secret.
public struct SecurityError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: Sendable, Hashable {
        case invalidArgument
        case io
        case corruptStore
        case tls
    }
    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
