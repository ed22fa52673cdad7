import Crypto
import Foundation
import PolicyEngine

/// Ranger's mask types applied to one value (docs/RECORD-RULES.md has the table).
///
/// Text follows Hive's `mask()` functions, which Ranger's Hive masks call: MASK turns
/// upper-case letters into `X`, lower-case into `x` and digits into `n`; SHOW_FIRST_4 /
/// SHOW_LAST_4 turn every letter and digit outside the shown four into `x`; other
/// characters stay. Numbers keep their type: masked digits become `1` (Hive's
/// `numberChar`). MASK_HASH is HMAC-SHA256 under the tenant's mask key, as hex:
/// consistent (joins still work) but not reversible, and not guessable without the key.
///
/// `@unchecked Sendable`: swift-crypto's `SymmetricKey` is immutable once made but not
/// marked Sendable.
public struct DataMask: @unchecked Sendable {
    public enum Kind: String, Sendable {
        case mask = "MASK", showLast4 = "MASK_SHOW_LAST_4", showFirst4 = "MASK_SHOW_FIRST_4", hash = "MASK_HASH"
        case null = "MASK_NULL", dateShowYear = "MASK_DATE_SHOW_YEAR", custom = "CUSTOM"
    }

    public let kind: Kind
    let hashKey: SymmetricKey

    /// Unknown mask types mask to null (fail closed).
    public init(type: String, hashKey: SymmetricKey) {
        kind = Kind(rawValue: type) ?? .null
        self.hashKey = hashKey
    }

    /// What a masked value becomes.
    public enum Output: Equatable {
        case text(String)
        /// JSON text to splice in as is (numbers, null, booleans).
        case json(String)
        case null
    }

    /// Masks text (a JSON string, a header value, a key). CUSTOM is the caller's.
    public func text(_ s: String) -> Output {
        switch kind {
        case .mask: return .text(Self.maskChars(s, upper: "X", lower: "x", digit: "n", keepFirst: 0, keepLast: 0))
        case .showLast4: return .text(Self.maskChars(s, upper: "x", lower: "x", digit: "x", keepFirst: 0, keepLast: 4))
        case .showFirst4: return .text(Self.maskChars(s, upper: "x", lower: "x", digit: "x", keepFirst: 4, keepLast: 0))
        case .hash: return .text(hash(Array(s.utf8)))
        case .null, .custom: return .null
        case .dateShowYear: return .text(Self.dateShowYear(s) ?? Self.maskChars(s, upper: "x", lower: "x", digit: "x", keepFirst: 0, keepLast: 0))
        }
    }

    /// Masks a JSON number given as its text; the result stays a number where the mask
    /// keeps types.
    public func number(_ text: String) -> Output {
        switch kind {
        case .mask: return .json(Self.maskDigits(text, keepFirst: 0, keepLast: 0))
        case .showLast4: return .json(Self.maskDigits(text, keepFirst: 0, keepLast: 4))
        case .showFirst4: return .json(Self.maskDigits(text, keepFirst: 4, keepLast: 0))
        case .hash: return .text(hash(Array(text.utf8)))
        case .null, .custom: return .null
        case .dateShowYear:
            // Epoch milliseconds: 1 January of the same year, 00:00 UTC.
            guard let ms = Double(text), abs(ms) < 1e17 else { return .null }
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            let year = calendar.component(.year, from: Date(timeIntervalSince1970: ms / 1000))
            guard let start = calendar.date(from: DateComponents(year: year, month: 1, day: 1)) else { return .null }
            return .json(String(Int64(start.timeIntervalSince1970 * 1000)))
        }
    }

    /// Hex HMAC-SHA256 of the bytes under the tenant's key.
    public func hash(_ bytes: [UInt8]) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: bytes, using: hashKey)
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for b in mac { out.append(hex[Int(b >> 4)]); out.append(hex[Int(b & 0xF)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Character classes per Unicode scalar (ASCII decided by byte range, the rest by
    /// scalar properties), so masking never pays for grapheme breaking or case mapping.
    static func maskChars(_ s: String, upper: Unicode.Scalar, lower: Unicode.Scalar, digit: Unicode.Scalar, keepFirst: Int, keepLast: Int) -> String {
        let scalars = s.unicodeScalars
        let count = keepLast > 0 ? scalars.count : 0
        var out = String.UnicodeScalarView()
        for (i, c) in scalars.enumerated() {
            if i < keepFirst || (keepLast > 0 && i >= count - keepLast) { out.append(c); continue }
            if c.isASCII {
                switch c.value {
                case 0x41...0x5A: out.append(upper)
                case 0x61...0x7A: out.append(lower)
                case 0x30...0x39: out.append(digit)
                default: out.append(c)
                }
            } else if c.properties.isUppercase {
                out.append(upper)
            } else if c.properties.isLowercase || c.properties.isAlphabetic {
                out.append(lower)
            } else if c.properties.numericType != nil {
                out.append(digit)
            } else {
                out.append(c)
            }
        }
        return String(out)
    }

    /// Digits of a JSON number become `1`, except the first or last `keep` digits.
    static func maskDigits(_ text: String, keepFirst: Int, keepLast: Int) -> String {
        // Only the mantissa's digits count; an exponent stays as it is.
        let bytes = Array(text.utf8)
        let mantissaEnd = bytes.firstIndex(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) ?? bytes.count
        let digitPositions = bytes[..<mantissaEnd].indices.filter { bytes[$0] >= 0x30 && bytes[$0] <= 0x39 }
        var out = bytes
        for (n, i) in digitPositions.enumerated() where n >= keepFirst && n < digitPositions.count - keepLast {
            out[i] = UInt8(ascii: "1")
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `YYYY-MM-DD…` → `YYYY-01-01…` with every later digit 0 (Hive: day 1, month 0 =
    /// January, year kept); nil when the text does not start with a date.
    static func dateShowYear(_ s: String) -> String? {
        var b = Array(s.utf8)
        guard b.count >= 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
              [0, 1, 2, 3, 5, 6, 8, 9].allSatisfy({ b[$0] >= 0x30 && b[$0] <= 0x39 }) else { return nil }
        b[5] = 0x30; b[6] = 0x31; b[8] = 0x30; b[9] = 0x31
        for i in 10..<b.count where b[i] >= 0x30 && b[i] <= 0x39 { b[i] = 0x30 }
        return String(decoding: b, as: UTF8.self)
    }
}
