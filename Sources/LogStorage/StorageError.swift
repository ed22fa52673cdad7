import KafkaWire

/// Why a storage operation failed, as the Kafka error code the broker answers with.
public struct StorageError: Error, Sendable, CustomStringConvertible {
    public var errorCode: KafkaErrorCode
    public var message: String

    public init(_ errorCode: KafkaErrorCode, _ message: String) {
        self.errorCode = errorCode
        self.message = message
    }

    public var description: String { "storage error \(errorCode.rawValue): \(message)" }

    static func io(_ what: String, path: String, errno code: Int32) -> StorageError {
        StorageError(.kafkaStorageError, "\(what) \(path): \(errnoDescription(code))")
    }
}
