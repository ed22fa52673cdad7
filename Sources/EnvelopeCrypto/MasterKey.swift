// SymmetricKey is immutable storage but not marked Sendable in this swift-crypto release.
@preconcurrency import Crypto
import Foundation

/// The root of the key hierarchy: 256 bits that wrap every KEK. Held in memory only;
/// providers load it from wherever it lives (file, environment, passphrase, a KMS).
public struct MasterKey: Sendable {
    let key: SymmetricKey

    /// Exactly 32 bytes.
    public init(bytes: some ContiguousBytes) throws(EnvelopeError) {
        let key = SymmetricKey(data: bytes)
        guard key.bitCount == 256 else {
            throw EnvelopeError(.masterKeyUnavailable, "a master key must be 32 bytes, got \(key.bitCount / 8)")
        }
        self.key = key
    }

    /// A fresh random key (tests, and `bulwark keys generate-master-key`).
    public static func random() -> MasterKey {
        MasterKey(key: SymmetricKey(size: .bits256))
    }

    private init(key: SymmetricKey) { self.key = key }

    /// Parses key text: 64 hex digits or base64 of 32 bytes, surrounding whitespace
    /// ignored; or 32 raw bytes.
    public static func parse(_ bytes: [UInt8]) throws(EnvelopeError) -> MasterKey {
        if bytes.count == 32 { return try MasterKey(bytes: bytes) }
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.utf8.count == 64, let decoded = Hex.decode(text) { return try MasterKey(bytes: decoded) }
        if let decoded = Data(base64Encoded: text), decoded.count == 32 { return try MasterKey(bytes: decoded) }
        throw EnvelopeError(.masterKeyUnavailable, "master key is neither 32 bytes, 64 hex digits nor base64 of 32 bytes")
    }

    /// The key as 64 hex digits, for `generate-master-key` output only.
    public var hex: String { key.withUnsafeBytes { Hex.encode(Array($0)) } }
}

/// Lower-case hex, the one codec for keys and digests written as text (key files,
/// the audit signing key, digests in audit events).
public enum Hex {
    public static func decode(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        var i = 0
        while i < utf8.count {
            guard let high = nibble(utf8[i]), let low = nibble(utf8[i + 1]) else { return nil }
            out.append(high << 4 | low)
            i += 2
        }
        return out
    }

    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x61...0x66: c - 0x61 + 10
        case 0x41...0x46: c - 0x41 + 10
        default: nil
        }
    }
}
