/// Finds the policies that may apply to a resource value without looking at the others:
/// literal values in a hash map, wildcard values in a byte trie keyed by their literal
/// prefix (a value walks the trie and collects every policy whose prefix it starts
/// with). Values the trie cannot place (`isExcludes`, `{USER}`) are always candidates.
/// Candidates are positions in the policy set's evaluation order; the matcher decides.
struct ResourceIndex: Sendable {
    private struct Node: Sendable {
        /// Child bytes and nodes side by side: a node has few children, and a scan of a
        /// few bytes beats hashing one.
        var childBytes: [UInt8] = []
        var childNodes: [Int32] = []
        var policies: [Int32] = []

        func child(_ byte: UInt8) -> Int32? {
            childBytes.firstIndex(of: byte).map { childNodes[$0] }
        }
    }

    private var exact: [String: [Int32]] = [:]
    private var nodes: [Node] = [Node()]
    private var always: [Int32] = []

    mutating func insert(_ values: Policy.ResourceValues, position: Int32) {
        if values.isExcludes || values.patterns.contains(where: \.hasUserToken) {
            always.append(position)
            return
        }
        for pattern in values.patterns {
            if pattern.kind == .literal || (pattern.kind == .wildcard && !pattern.hasWildcard) {
                exact[pattern.text, default: []].append(position)
                continue
            }
            var node = 0
            for byte in pattern.literalPrefix.utf8 {
                if let next = nodes[node].child(byte) {
                    node = Int(next)
                } else {
                    nodes.append(Node())
                    nodes[node].childBytes.append(byte)
                    nodes[node].childNodes.append(Int32(nodes.count - 1))
                    node = nodes.count - 1
                }
            }
            nodes[node].policies.append(position)
        }
    }

    /// Sorted, without duplicates.
    func candidates(for value: String) -> [Int32] {
        var out = always
        if let hits = exact[value] { out += hits }
        nodes.withUnsafeBufferPointer { nodes in  // in place: a copied node retains its children
            var node = 0
            out += nodes[0].policies
            for byte in value.utf8 {
                guard let next = nodes[node].child(byte) else { break }
                node = Int(next)
                out += nodes[node].policies
            }
        }
        if out.count > 1 {
            out.sort()
            var write = 1
            for read in 1..<out.count where out[read] != out[write - 1] {
                out[write] = out[read]; write += 1
            }
            out.removeLast(out.count - write)
        }
        return out
    }
}
