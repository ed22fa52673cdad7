/// The sparse index of one segment: a block per `blockEvents` records with its byte range,
/// time range, result and kind masks, and Bloom filters of principals and resources. A
/// query reads only the blocks that may match.
///
/// Written as a sidecar (`<segment>.auditidx`) when a segment is closed; the active
/// segment's index lives in memory (the writer's) or is rebuilt by a reader's scan. The
/// index is advisory: it is not signed, a reader ignores a sidecar that does not describe
/// the segment's current size, and `verify` never trusts it.
struct AuditSegmentIndex: Hashable {
    static let blockEvents = 1024
    static let magic: [UInt8] = Array("BWAIDX01".utf8)

    struct Block: Hashable {
        var offset: Int
        var end: Int
        var firstSequence: UInt64
        var count: UInt32 = 0
        var minTime = Int64.max
        var maxTime = Int64.min
        var resultMask: UInt8 = 0
        var kindMask: UInt8 = 0
        var principals = AuditBloom()
        var resources = AuditBloom()
    }

    var segmentFirstSequence: UInt64
    /// The segment size the index describes.
    var coveredBytes: Int
    var blocks: [Block] = []

    init(segmentFirstSequence: UInt64) {
        self.segmentFirstSequence = segmentFirstSequence
        self.coveredBytes = AuditSegmentHeader.size
    }

    var minTime: Int64 { blocks.map(\.minTime).min() ?? .max }
    var maxTime: Int64 { blocks.map(\.maxTime).max() ?? .min }

    /// Adds one record (event or checkpoint) found at `offset..<end`.
    mutating func add(_ view: AuditRawEvent?, sequence: UInt64, offset: Int, end: Int) {
        if blocks.isEmpty || blocks[blocks.count - 1].count >= UInt32(Self.blockEvents) {
            blocks.append(Block(offset: offset, end: end, firstSequence: sequence))
        }
        var block = blocks[blocks.count - 1]
        block.count += 1
        block.end = end
        if let view {
            block.minTime = min(block.minTime, view.time)
            block.maxTime = max(block.maxTime, view.lastTime)
            block.resultMask |= 1 << view.result
            block.kindMask |= 1 << (view.kind & 7)
            block.principals.insert(AuditBloom.hash(view.principal))
            block.resources.insert(AuditBloom.resourceHash(type: view.resourceType, name: view.resourceName))
        }
        blocks[blocks.count - 1] = block
        coveredBytes = end
    }

    func encoded() -> [UInt8] {
        var out = Self.magic
        out.appendLE(segmentFirstSequence)
        out.appendLE(UInt64(coveredBytes))
        out.appendLE(UInt32(blocks.count))
        for b in blocks {
            out.appendLE(UInt64(b.offset))
            out.appendLE(UInt64(b.end))
            out.appendLE(b.firstSequence)
            out.appendLE(b.count)
            out.appendLE(b.minTime)
            out.appendLE(b.maxTime)
            out.append(b.resultMask)
            out.append(b.kindMask)
            for w in b.principals.bits { out.appendLE(w) }
            for w in b.resources.bits { out.appendLE(w) }
        }
        return out
    }

    static let blockSize = 8 + 8 + 8 + 4 + 8 + 8 + 1 + 1 + 2 * AuditBloom.words * 8

    /// Decodes a sidecar; nil if it is not one or does not hang together (then the reader
    /// rebuilds the index by scanning).
    static func decode(_ bytes: [UInt8]) -> AuditSegmentIndex? {
        bytes.withUnsafeBytes { p -> AuditSegmentIndex? in
            var r = ByteReader(p, from: 0, to: p.count)
            guard let magic = try? r.readBytes(8), Array(magic) == Self.magic,
                  let first = try? r.read(UInt64.self), let covered = try? r.read(UInt64.self),
                  let count = try? r.read(UInt32.self), Int(count) <= r.remaining / blockSize,
                  covered <= UInt64(Int.max) else { return nil }
            var index = AuditSegmentIndex(segmentFirstSequence: first)
            index.coveredBytes = Int(covered)
            for _ in 0..<count {
                guard let offset = try? r.read(UInt64.self), let end = try? r.read(UInt64.self),
                      let seq = try? r.read(UInt64.self), let n = try? r.read(UInt32.self),
                      let minT = try? r.read(Int64.self), let maxT = try? r.read(Int64.self),
                      let rm = try? r.read(UInt8.self), let km = try? r.read(UInt8.self),
                      offset <= end, end <= covered else { return nil }
                var block = Block(offset: Int(offset), end: Int(end), firstSequence: seq)
                block.count = n
                block.minTime = minT
                block.maxTime = maxT
                block.resultMask = rm
                block.kindMask = km
                for i in 0..<AuditBloom.words { guard let w = try? r.read(UInt64.self) else { return nil }; block.principals.bits[i] = w }
                for i in 0..<AuditBloom.words { guard let w = try? r.read(UInt64.self) else { return nil }; block.resources.bits[i] = w }
                index.blocks.append(block)
            }
            return r.remaining == 0 ? index : nil
        }
    }

    static func sidecarName(firstSequence: UInt64) -> String {
        AuditSegmentHeader.fileName(firstSequence: firstSequence) + "idx"
    }
}
