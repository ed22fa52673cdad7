/// Comparisons whose duration does not depend on where the inputs differ.
package enum ConstantTime {
    package static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var diff = UInt8(truncatingIfNeeded: a.count ^ b.count)
        let n = min(a.count, b.count)
        for i in 0..<n { diff |= a[i] ^ b[i] }
        // Walk the longer tail too so unequal lengths cost the same as equal ones.
        for i in n..<max(a.count, b.count) { diff |= (i < a.count ? a[i] : b[i]) | 1 }
        return diff == 0
    }
}
