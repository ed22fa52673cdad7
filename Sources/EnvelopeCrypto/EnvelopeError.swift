/// Why a key or sealing operation failed. `code` lets callers map it (the log store
/// turns every one into KAFKA_STORAGE_ERROR); `message` names the file or scope and
/// never holds key material.
public struct EnvelopeError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// The master key could not be loaded (missing, unreadable, bad length, bad file mode).
        case masterKeyUnavailable
        /// The master key does not open this data directory's key check: the wrong key.
        case wrongMasterKey
        /// A wrapped key or a sealed batch failed authentication.
        case authenticationFailed
        /// The keys of a scope were destroyed on purpose (`bulwark keys shred`).
        case shredded
        /// A key id that the key store does not hold.
        case unknownKey
        /// A key-store file that cannot be parsed or written.
        case keyStore
        /// A caller mistake (buffer sizes, parameters).
        case invalidArgument
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
