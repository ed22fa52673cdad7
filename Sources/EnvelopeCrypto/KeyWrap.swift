import Crypto
import Foundation

/// Wraps a 32-byte key under another with AES-256-GCM (swift-crypto; cold path).
///
/// Wrapped form: nonce (12) ‖ ciphertext (32) ‖ tag (16) = 60 bytes. The nonce is
/// random: a wrapping key wraps at most a few million keys in its life (one per DEK),
/// far below the 2^32 random-nonce bound for GCM. The associated data names what the
/// key is (KEK of which scope and version, DEK of which scope, id and KEK version),
/// so a wrapped key copied to another slot does not unwrap.
enum KeyWrap {
    static let wrappedSize = 60

    static func wrap(_ key: SymmetricKey, under wrapping: SymmetricKey, context: String) throws(EnvelopeError) -> [UInt8] {
        do {
            let box = try key.withUnsafeBytes { raw in
                try AES.GCM.seal(raw, using: wrapping, authenticating: Array(context.utf8))
            }
            guard let combined = box.combined, combined.count == wrappedSize else {
                throw EnvelopeError(.keyStore, "unexpected wrapped key size")
            }
            return Array(combined)
        } catch let error as EnvelopeError {
            throw error
        } catch {
            throw EnvelopeError(.keyStore, "cannot wrap a key: \(error)")
        }
    }

    static func unwrap(_ wrapped: [UInt8], under wrapping: SymmetricKey, context: String) throws(EnvelopeError) -> SymmetricKey {
        guard wrapped.count == wrappedSize else {
            throw EnvelopeError(.keyStore, "wrapped key for \(context) has \(wrapped.count) bytes, not \(wrappedSize)")
        }
        do {
            let box = try AES.GCM.SealedBox(combined: wrapped)
            let opened = try AES.GCM.open(box, using: wrapping, authenticating: Array(context.utf8))
            return SymmetricKey(data: opened)
        } catch {
            throw EnvelopeError(.authenticationFailed, "wrapped key for \(context) does not authenticate under its wrapping key")
        }
    }
}
