/// A failed offsets-log operation; the coordinator answers it with a retriable error code.
struct OffsetStoreError: Error, CustomStringConvertible {
    var operation: String
    var path: String
    var errno: Int32

    var description: String { "\(operation) \(path) failed (errno \(errno))" }
}
