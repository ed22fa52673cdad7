// SymmetricKey is immutable storage but not marked Sendable in this swift-crypto release.
@preconcurrency import Crypto
import Synchronization

/// A data-encryption key (DEK): seals and opens batches with AES-256-GCM.
///
/// Envelope layout, shared by every sealed thing (log frames, offsets, audit):
/// `keyId u32 ‖ nonce (12) ‖ ciphertext (same length as the plaintext) ‖ tag (16)`.
/// Only a `BatchSealer` seals (it owns the nonce counter); anyone holding the key opens.
public final class DataKey: Sendable {
    /// Unique within the key's scope; written in the clear in every envelope.
    public let id: UInt32
    public let scope: KeyScope
    let material: SymmetricKey
    private let destroyed = Atomic<Bool>(false)

    /// Set when the key was shredded or retired by re-encryption while in use: its
    /// sealer refuses to seal from then on, and it opens nothing.
    public var isDestroyed: Bool { destroyed.load(ordering: .acquiring) }

    func destroy() { destroyed.store(true, ordering: .releasing) }

    init(id: UInt32, scope: KeyScope, material: SymmetricKey) {
        self.id = id
        self.scope = scope
        self.material = material
    }

    /// Opens `envelope` in place: on success the plaintext is
    /// `envelope[Envelope.plaintextRange(envelopeCount)]`. False when it does not
    /// authenticate (a flipped bit anywhere, other associated data, another key).
    public func open(envelope: UnsafeMutableRawBufferPointer, associatedData: UnsafeRawBufferPointer) -> Bool {
        guard !isDestroyed, envelope.count >= Envelope.overhead, Envelope.keyId(UnsafeRawBufferPointer(envelope)) == id else { return false }
        let body = Envelope.plaintextRange(envelope.count)
        return material.withUnsafeBytes { key in
            LibCrypto.openAESGCM(
                key: key, nonce: UnsafeRawBufferPointer(rebasing: envelope[4..<16]), associatedData: associatedData,
                data: UnsafeMutableRawBufferPointer(rebasing: envelope[body]),
                tag: UnsafeRawBufferPointer(rebasing: envelope[body.upperBound...]))
        }
    }

    func seal(
        _ plaintext: UnsafeRawBufferPointer, nonce: [UInt8], associatedData: UnsafeRawBufferPointer,
        into envelope: UnsafeMutableRawBufferPointer
    ) -> Bool {
        guard envelope.count == plaintext.count + Envelope.overhead, nonce.count == Envelope.nonceSize else { return false }
        envelope.storeBytes(of: id.bigEndian, toByteOffset: 0, as: UInt32.self)
        nonce.withUnsafeBytes { envelope.baseAddress!.advanced(by: 4).copyMemory(from: $0.baseAddress!, byteCount: 12) }
        let body = Envelope.plaintextRange(envelope.count)
        return material.withUnsafeBytes { key in
            nonce.withUnsafeBytes { nonce in
                LibCrypto.sealAESGCM(
                    key: key, nonce: nonce, associatedData: associatedData, input: plaintext,
                    output: UnsafeMutableRawBufferPointer(rebasing: envelope[body]),
                    tag: UnsafeMutableRawBufferPointer(rebasing: envelope[body.upperBound...]))
            }
        }
    }
}

/// Sizes and fields of the sealed envelope.
public enum Envelope {
    public static let keyIdSize = 4
    public static let nonceSize = 12
    public static let tagSize = 16
    public static let overhead = keyIdSize + nonceSize + tagSize

    /// The key id an envelope names (nil when too short to be one).
    public static func keyId(_ envelope: UnsafeRawBufferPointer) -> UInt32? {
        guard envelope.count >= overhead else { return nil }
        return UInt32(bigEndian: envelope.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
    }

    /// Where the ciphertext (and, once opened, the plaintext) lies in an envelope.
    public static func plaintextRange(_ envelopeCount: Int) -> Range<Int> {
        (keyIdSize + nonceSize)..<(envelopeCount - tagSize)
    }
}
