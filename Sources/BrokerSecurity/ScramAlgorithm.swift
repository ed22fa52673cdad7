import COpenSSLCrypto

/// SCRAM-SHA-256 or SCRAM-SHA-512 (RFC 5802 / RFC 7677): the hash, its HMAC and PBKDF2,
/// from the system libcrypto. This file is the only one that touches it.
public enum ScramAlgorithm: String, Sendable, CaseIterable, Hashable {
    case sha256 = "SCRAM-SHA-256"
    case sha512 = "SCRAM-SHA-512"

    /// Kafka's bounds (`ScramMechanism`): fewer iterations are refused, more are pointless.
    public static let iterationRange: ClosedRange<Int> = 4096...16384
    /// What `bulwark users add` and the first-run admin use, and so what an unknown user's
    /// stand-in claims: a server-first with `i=4096` would tell a guesser the name is unknown.
    public static let defaultIterations = 8192

    /// Counts this task's work when set (tests of equal work on every failure path).
    @TaskLocal public static var workCounter: CryptoWorkCounter?

    public var mechanismName: String { rawValue }

    public init?(mechanism: String) { self.init(rawValue: mechanism.uppercased()) }

    var digestCount: Int { self == .sha256 ? 32 : 64 }

    private var md: OpaquePointer? { self == .sha256 ? EVP_sha256() : EVP_sha512() }

    func hash(_ bytes: [UInt8]) -> [UInt8] {
        Self.workCounter?.hash()
        var out = [UInt8](repeating: 0, count: digestCount)
        var n: UInt32 = 0
        let ok = bytes.withUnsafeBufferPointer { b in
            out.withUnsafeMutableBufferPointer { o in EVP_Digest(b.baseAddress, b.count, o.baseAddress, &n, md, nil) }
        }
        precondition(ok == 1 && Int(n) == digestCount, "libcrypto digest failed")
        return out
    }

    func hmac(key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        Self.workCounter?.hmac()
        var out = [UInt8](repeating: 0, count: digestCount)
        var n: UInt32 = 0
        // A zero-length key or message still needs a valid pointer.
        let k = key.isEmpty ? [0] : key, m = message.isEmpty ? [0] : message
        let result = k.withUnsafeBufferPointer { kb in
            m.withUnsafeBufferPointer { mb in
                out.withUnsafeMutableBufferPointer { o in
                    HMAC(md, kb.baseAddress, Int32(key.count), mb.baseAddress, message.count, o.baseAddress, &n)
                }
            }
        }
        precondition(result != nil && Int(n) == digestCount, "libcrypto HMAC failed")
        return out
    }

    /// PBKDF2-HMAC (the RFC's Hi()).
    func saltedPassword(_ password: [UInt8], salt: [UInt8], iterations: Int) -> [UInt8] {
        Self.workCounter?.pbkdf2(iterations: iterations)
        var out = [UInt8](repeating: 0, count: digestCount)
        let p = password.isEmpty ? [0] : password, s = salt.isEmpty ? [0] : salt
        let ok = p.withUnsafeBufferPointer { pb in
            s.withUnsafeBufferPointer { sb in
                out.withUnsafeMutableBufferPointer { o in
                    pb.baseAddress!.withMemoryRebound(to: CChar.self, capacity: pb.count) { pc in
                        PKCS5_PBKDF2_HMAC(pc, Int32(password.count), sb.baseAddress, Int32(salt.count), Int32(iterations), md,
                                          Int32(digestCount), o.baseAddress)
                    }
                }
            }
        }
        precondition(ok == 1, "libcrypto PBKDF2 failed")
        return out
    }
}
