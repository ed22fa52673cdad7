import Synchronization

/// Seals with one fresh DEK until it is retired. The only thing that seals.
///
/// Nonce safety: the nonce is a 96-bit counter (0, 1, 2, …) of this sealer, kept in
/// memory only. That is safe because a sealer's DEK is created for it (`Keyring.
/// newSealer`) and is never given to another sealer: after a restart, a roll or
/// retirement the log store asks for a new DEK, so a counter is never restarted under
/// a key that sealed before. In particular, crash recovery that cuts a torn tail and
/// appends again does so under a new DEK, not by reusing the lost frame's nonce.
/// Deterministic nonces avoid the birthday bound of random 96-bit nonces; the batch
/// limit (`maxBatches`, at most 2^32) bounds how much data one key protects, so that a
/// leaked DEK exposes at most that much, and keeps GCM far inside its usage limits.
/// The counter is behind a lock, so even a copied reference cannot reuse a nonce.
public final class BatchSealer: Sendable {
    public static let maxBatchesLimit: UInt64 = 1 << 32

    public let key: DataKey
    public let maxBatches: UInt64
    private let sealed = Mutex<UInt64>(0)

    init(key: DataKey, maxBatches: UInt64) {
        self.key = key
        self.maxBatches = min(max(maxBatches, 1), Self.maxBatchesLimit)
    }

    /// Batches sealed so far.
    public var batchesSealed: UInt64 { sealed.withLock { $0 } }

    /// Whether the DEK has sealed its quota and must be retired (a new sealer taken).
    public var isRetired: Bool { key.isDestroyed || sealed.withLock { $0 >= maxBatches } }

    /// Seals `plaintext` into `envelope` (exactly `plaintext.count + Envelope.overhead`
    /// bytes): key id, nonce, ciphertext, tag. Throws once the DEK is retired.
    public func seal(
        _ plaintext: UnsafeRawBufferPointer, associatedData: UnsafeRawBufferPointer, into envelope: UnsafeMutableRawBufferPointer
    ) throws(EnvelopeError) {
        let counter: UInt64? = sealed.withLock { count in
            guard count < maxBatches else { return nil }
            count += 1
            return count - 1
        }
        guard let counter else { throw EnvelopeError(.invalidArgument, "DEK \(key.id) of \(key.scope) is retired") }
        guard !key.isDestroyed else { throw EnvelopeError(.shredded, "DEK \(key.id) of \(key.scope) was destroyed (shredded or retired)") }
        var nonce = [UInt8](repeating: 0, count: Envelope.nonceSize)
        withUnsafeBytes(of: counter.bigEndian) { nonce.replaceSubrange(4..<12, with: $0) }
        guard key.seal(plaintext, nonce: nonce, associatedData: associatedData, into: envelope) else {
            throw EnvelopeError(.invalidArgument, "sealing failed (envelope of \(envelope.count) bytes for \(plaintext.count))")
        }
    }

    /// Seals into a new array (cold paths: offsets log, audit segments).
    public func seal(_ plaintext: [UInt8], associatedData: [UInt8]) throws(EnvelopeError) -> [UInt8] {
        var envelope = [UInt8](repeating: 0, count: plaintext.count + Envelope.overhead)
        let result: Result<Void, EnvelopeError> = plaintext.withUnsafeBytes { plain in
            associatedData.withUnsafeBytes { ad in
                envelope.withUnsafeMutableBytes { out in
                    Result { () throws(EnvelopeError) in try seal(plain, associatedData: ad, into: out) }
                }
            }
        }
        try result.get()
        return envelope
    }
}
