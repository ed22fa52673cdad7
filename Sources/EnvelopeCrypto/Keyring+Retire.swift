// SymmetricKey is immutable storage but not marked Sendable in this swift-crypto release.
@preconcurrency import Crypto

/// Retiring DEKs after re-encryption: once no segment is sealed under a DEK any
/// more, its wrapped copy is removed, so a leak of it (or of an old backup's KEK)
/// exposes nothing still on disk.
extension Keyring {
    /// The id the scope's next DEK will get. Every DEK created from now on has an id
    /// at least this large, so it marks "keys older than now" for re-encryption.
    public func nextDataKeyId(for scope: KeyScope) throws(EnvelopeError) -> UInt32 {
        try state.withLock { (state) throws(EnvelopeError) -> UInt32 in
            let file = try file(scope, &state)
            if let at = file.shreddedAt { throw Self.shredded(scope, at: at) }
            return file.nextDEKId
        }
    }

    /// Removes the scope's DEKs with ids below `id` (the caller has made sure no data is
    /// sealed under them any more). The key file is replaced atomically; a cached copy
    /// in use is destroyed, so nothing can seal under it again. Returns how many went.
    @discardableResult
    public func destroyDataKeys(for scope: KeyScope, below id: UInt32) throws(EnvelopeError) -> Int {
        try state.withLock { (state) throws(EnvelopeError) -> Int in
            var file = try file(scope, &state)
            if let at = file.shreddedAt { throw Self.shredded(scope, at: at) }
            let doomed = file.deks.keys.filter { $0 < id }
            guard !doomed.isEmpty else { return 0 }
            let highest = file.deks.keys.max()!
            for dek in doomed { file.deks[dek] = nil }
            if file.deks.isEmpty {
                // Ids are never reused (an envelope on disk must never name a different
                // key than it was sealed with): an unused DEK keeps the next id above.
                guard let kekVersion = file.currentKEKVersion, highest < UInt32.max else {
                    throw EnvelopeError(.keyStore, "\(scope) has no KEK to keep its DEK ids with")
                }
                let kek = try kek(scope, version: kekVersion, &state)
                let placeholder = SymmetricKey(size: .bits256)
                file.deks[highest + 1] = (
                    kekVersion, try KeyWrap.wrap(placeholder, under: kek, context: Self.dekContext(scope, highest + 1, kekVersion))
                )
            }
            try KeyFileIO.replace(try path(scope), with: file.serialized(), directory: directory)
            state.files[scope] = file
            var removed = 0
            for dek in doomed {
                state.deks[scope]?[dek]?.destroy()
                state.deks[scope]?[dek] = nil
                removed += 1
            }
            return removed
        }
    }
}
