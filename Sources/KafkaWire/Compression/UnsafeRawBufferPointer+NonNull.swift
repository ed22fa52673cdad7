extension UnsafeRawBufferPointer {
    /// Calls `body` with a base address that is never NULL, even for an empty buffer:
    /// some C codecs reject a NULL source even when its length is zero.
    @discardableResult
    func withNonNullBaseAddress<Result, Failure: Error>(
        _ body: (UnsafeRawPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        if let base = baseAddress { return try body(base) }
        var placeholder: UInt8 = 0
        return try withUnsafeBytes(of: &placeholder) { (bytes) throws(Failure) -> Result in
            try body(bytes.baseAddress!)
        }
    }
}
