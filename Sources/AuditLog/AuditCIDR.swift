#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 network (`10.0.0.0/8`, `2001:db8::/32`, or one address) for `--client-ip`.
public struct AuditCIDR: Sendable, Hashable {
    let network: [UInt8]
    let prefixLength: Int

    public init(_ text: String) throws(AuditLogError) {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        guard let address = Self.parseAddress(parts.first ?? "") else { throw AuditLogError(.config, "not an IP address or CIDR: \(text)") }
        let bits = address.count * 8
        var length = bits
        if parts.count == 2 {
            guard let n = Int(parts[1]), n >= 0, n <= bits else { throw AuditLogError(.config, "bad prefix length in \(text)") }
            length = n
        }
        network = address
        prefixLength = length
    }

    /// The address's bytes (4 or 16), or nil if it is not an IP address.
    static func parseAddress(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: v6) { Array($0) } }
        return nil
    }

    public func contains(_ address: String) -> Bool {
        guard let bytes = Self.parseAddress(address), bytes.count == network.count else { return false }
        var remaining = prefixLength
        for i in 0..<bytes.count where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xff : ~(0xff >> UInt8(remaining))
            if bytes[i] & mask != network[i] & mask { return false }
            remaining -= 8
        }
        return true
    }
}
