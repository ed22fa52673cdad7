/// The 64 bytes at the start of every segment: `"BWAUDIT1" | u64 first seq | 16-byte log id |
/// 32-byte hash of the record before the first`. The header ties the segment into the chain:
/// a segment copied from another log has another id; one moved or replaced does not link.
struct AuditSegmentHeader: Hashable {
    static let size = 64
    static let magic: [UInt8] = Array("BWAUDIT1".utf8)

    var firstSequence: UInt64
    var logId: [UInt8]
    var previousHash: [UInt8]

    func encoded() -> [UInt8] {
        var out = Self.magic
        out.appendLE(firstSequence)
        out += logId
        out += previousHash
        return out
    }

    init(firstSequence: UInt64, logId: [UInt8], previousHash: [UInt8]) {
        self.firstSequence = firstSequence
        self.logId = logId
        self.previousHash = previousHash
    }

    init(decoding bytes: UnsafeRawBufferPointer) throws(AuditLogError) {
        guard bytes.count >= Self.size else { throw AuditLogError(.corrupt, "segment header is shorter than \(Self.size) bytes") }
        guard Array(bytes[0..<8]) == Self.magic else { throw AuditLogError(.corrupt, "not an audit segment (bad magic)") }
        firstSequence = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        logId = Array(bytes[16..<32])
        previousHash = Array(bytes[32..<64])
    }

    /// Decodes the header at the start of `bytes`.
    static func decode(_ bytes: [UInt8]) throws(AuditLogError) -> AuditSegmentHeader {
        let result = bytes.withUnsafeBytes { p in Result { () throws(AuditLogError) in try AuditSegmentHeader(decoding: p) } }
        return try result.get()
    }

    static func fileName(firstSequence: UInt64) -> String {
        let digits = String(firstSequence)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".audit"
    }

    /// The first sequence number a segment file name carries, or nil for other files.
    static func sequence(fromFileName name: String) -> UInt64? {
        guard name.hasSuffix(".audit"), name.count == 26 else { return nil }
        return UInt64(name.prefix(20))
    }
}

/// What a checkpoint record signs: the log, the checkpoint's place and the chain before it.
enum AuditCheckpointMessage {
    static let domain = Array("bulwark-audit-checkpoint-v1".utf8)

    static func bytes(logId: [UInt8], sequence: UInt64, time: Int64, previousHash: [UInt8]) -> [UInt8] {
        var out = domain + logId
        out.appendLE(sequence)
        out.appendLE(time)
        out += previousHash
        return out
    }
}

/// A signed statement kept outside the segments, replaced atomically:
/// - the **head** (`audit/HEAD`): the last checkpoint's sequence number and hash, so cutting
///   the log back before it is detected;
/// - the **anchor** (`audit/ANCHOR`): after retention, the first retained sequence number and
///   the hash of the record before it, so the chain verifies from the oldest retained event.
///
/// Layout: `magic(8) | log id(16) | u64 sequence | hash(32) | i64 time | signature(64)`.
struct AuditSignedMark: Hashable {
    enum Role { case head, anchor }
    static let size = 136

    var role: Role
    var logId: [UInt8]
    var sequence: UInt64
    var hash: [UInt8]
    var time: Int64
    var signature: [UInt8]

    static func magic(_ role: Role) -> [UInt8] { Array((role == .head ? "BWAHEAD1" : "BWAANCH1").utf8) }

    func signedBytes() -> [UInt8] {
        var out = Array("bulwark-audit-mark-v1".utf8) + Self.magic(role) + logId
        out.appendLE(sequence)
        out += hash
        out.appendLE(time)
        return out
    }

    static func make(role: Role, key: AuditSigningKey, sequence: UInt64, hash: [UInt8], time: Int64) throws(AuditLogError) -> AuditSignedMark {
        var mark = AuditSignedMark(role: role, logId: key.publicKey.logId, sequence: sequence, hash: hash, time: time, signature: [])
        mark.signature = try key.sign(mark.signedBytes())
        return mark
    }

    func encoded() -> [UInt8] {
        var out = Self.magic(role) + logId
        out.appendLE(sequence)
        out += hash
        out.appendLE(time)
        return out + signature
    }

    static func decode(_ bytes: [UInt8], role: Role) throws(AuditLogError) -> AuditSignedMark {
        guard bytes.count == size, Array(bytes[0..<8]) == magic(role) else {
            throw AuditLogError(.corrupt, "the \(role == .head ? "HEAD" : "ANCHOR") file is not a signed mark")
        }
        return bytes.withUnsafeBytes { p in
            AuditSignedMark(
                role: role, logId: Array(bytes[8..<24]),
                sequence: UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 24, as: UInt64.self)),
                hash: Array(bytes[32..<64]),
                time: Int64(littleEndian: p.loadUnaligned(fromByteOffset: 64, as: Int64.self)),
                signature: Array(bytes[72..<136]))
        }
    }

    func isValid(for key: AuditPublicKey) -> Bool {
        logId == key.logId && key.isValidSignature(signature, for: signedBytes())
    }
}
