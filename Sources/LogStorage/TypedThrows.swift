import NIOCore

// The standard library's and NIO's buffer accessors are `rethrows`, which erases a
// typed error to `any Error`; these keep `StorageError` typed through them.

extension Array where Element == UInt8 {
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws(StorageError) -> R) throws(StorageError) -> R {
        try withUnsafeBytes { raw in Result { () throws(StorageError) -> R in try body(raw) } }.get()
    }

    mutating func withMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws(StorageError) -> R) throws(StorageError) -> R {
        try withUnsafeMutableBytes { raw in Result { () throws(StorageError) -> R in try body(raw) } }.get()
    }
}

extension ByteBuffer {
    func withReadableBytes<R>(_ body: (UnsafeRawBufferPointer) throws(StorageError) -> R) throws(StorageError) -> R {
        try withUnsafeReadableBytes { raw in Result { () throws(StorageError) -> R in try body(raw) } }.get()
    }

    /// Writes up to `count` bytes through `body`, which returns how many it wrote.
    mutating func write(count: Int, _ body: (UnsafeMutableRawBufferPointer) throws(StorageError) -> Int) throws(StorageError) {
        var failure: StorageError?
        writeWithUnsafeMutableBytes(minimumWritableBytes: count) { raw in
            do throws(StorageError) {
                return try body(raw)
            } catch {
                failure = error
                return 0
            }
        }
        if let failure { throw failure }
    }
}
