import Foundation

/// A policy or item condition. Only evaluators the engine implements load; any other
/// condition type makes its policy fail to load (fail closed, never true by default).
enum Condition: Sendable {
    /// Ranger's `RangerIpMatcher`: the client address is in one of the ranges.
    case ipRange([IPRange])

    /// The evaluator classes the engine implements, by their Ranger class names.
    static let ipMatcherClasses: Set<String> = ["org.apache.ranger.plugin.conditionevaluator.RangerIpMatcher", "RangerIpMatcher"]

    func isSatisfied(clientAddress: String?) -> Bool {
        switch self {
        case .ipRange(let ranges):
            guard let clientAddress, let address = IPRange.Address(clientAddress) else { return false }
            return ranges.contains { $0.contains(address) }
        }
    }
}

/// An address range from an `ip-range` condition value: CIDR (`10.0.0.0/8`,
/// `fd00::/8`), a single address, or Ranger's wildcard form (`10.1.*`, `10.1.*.*`, `*`).
struct IPRange: Sendable {
    struct Address: Sendable {
        var bytes: [UInt8]

        init?(_ text: String) {
            var trimmed = text.hasPrefix("/") ? String(text.dropFirst()) : text  // Java's InetAddress.toString form
            if trimmed.hasPrefix("[") && trimmed.hasSuffix("]") { trimmed = String(trimmed.dropFirst().dropLast()) }
            if let v4 = Self.ipv4(trimmed) { bytes = v4 } else if let v6 = Self.ipv6(trimmed) { bytes = v6 } else { return nil }
        }

        static func ipv4(_ text: String) -> [UInt8]? {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 4 else { return nil }
            var out: [UInt8] = []
            for part in parts {
                guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), let value = UInt8(part) else { return nil }
                out.append(value)
            }
            return out
        }

        static func ipv6(_ text: String) -> [UInt8]? {
            guard text.contains(":"), text.count <= 45 else { return nil }
            var addr = in6_addr()
            guard inet_pton(AF_INET6, text, &addr) == 1 else { return nil }
            return withUnsafeBytes(of: &addr) { Array($0) }
        }
    }

    let base: [UInt8]
    let prefixBits: Int

    init?(_ text: String) {
        let spec = text.trimmingCharacters(in: .whitespaces)
        if spec == "*" {
            base = []; prefixBits = 0; return
        }
        if spec.contains("*") {
            // Ranger's form: leading octets given, the rest `*` (10.1.* or 10.1.*.*).
            let parts = spec.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count <= 4 else { return nil }
            var octets: [UInt8] = []
            var sawStar = false
            for part in parts {
                if part == "*" { sawStar = true; continue }
                guard !sawStar, !part.isEmpty, part.count <= 3, let value = UInt8(part) else { return nil }
                octets.append(value)
            }
            base = octets + Array(repeating: 0, count: 4 - octets.count)
            prefixBits = octets.count * 8
            return
        }
        let halves = spec.split(separator: "/", omittingEmptySubsequences: false)
        guard halves.count <= 2, let address = Address(String(halves[0])) else { return nil }
        let maxBits = address.bytes.count * 8
        if halves.count == 2 {
            guard let bits = Int(halves[1]), bits >= 0, bits <= maxBits else { return nil }
            prefixBits = bits
        } else {
            prefixBits = maxBits
        }
        base = address.bytes
    }

    func contains(_ address: Address) -> Bool {
        if base.isEmpty { return true }
        guard address.bytes.count == base.count else { return false }
        var bits = prefixBits
        var i = 0
        while bits > 0 {
            let mask: UInt8 = bits >= 8 ? 0xff : ~(0xff >> UInt8(bits))
            if address.bytes[i] & mask != base[i] & mask { return false }
            bits -= 8; i += 1
        }
        return true
    }
}
