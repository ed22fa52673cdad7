import EnvelopeCrypto

/// Encryption at rest for the audit log: each event record's body is sealed with AES-256-GCM
/// under a DEK of the keyring's `system:audit` scope.
///
/// A sealed event is stored as `u8 type=3 | u64 seq | envelope(event body)`, the envelope
/// binding the log id and the sequence number as associated data, so a sealed body cannot be
/// moved to another place or log. The chain hash covers the stored (sealed) body: `verify`
/// checks the chain, the checkpoints' signatures and the HEAD without any key, and decodes
/// the events only when given the master key. Checkpoints stay plain (a sequence number, a
/// time and a signature: nothing to hide). Sequence numbers, times in the sparse index and
/// its Bloom filters of principal and resource hashes stay outside the envelopes; the names
/// and every other field are only inside.
///
/// Nonces: a new DEK (a new `BatchSealer`) for each segment and each writer start, retired
/// after `maxRecordsPerKey` records, as `BatchSealer` requires.
public final class AuditSealing: Sendable {
    public static let scope = KeyScope.system("audit")

    public let keyring: Keyring
    /// False: sealed records are still read, new ones are written plain (encryption off).
    public let sealNewRecords: Bool
    public let maxRecordsPerKey: UInt64

    public init(keyring: Keyring, sealNewRecords: Bool = true, maxRecordsPerKey: UInt64 = 1 << 32) {
        self.keyring = keyring
        self.sealNewRecords = sealNewRecords
        self.maxRecordsPerKey = maxRecordsPerKey
    }

    func newSealer() throws(AuditLogError) -> BatchSealer {
        do {
            return try keyring.newSealer(for: Self.scope, maxBatches: maxRecordsPerKey)
        } catch {
            throw AuditLogError(.io, "cannot get an audit data key: \(error.message)")
        }
    }

    static func associatedData(logId: [UInt8], sequence: UInt64) -> [UInt8] {
        var out = Array("bulwark.audit.v1".utf8) + logId
        out.appendLE(sequence)
        return out
    }

    /// Appends the sealed body of the plain event body `plain` (sequence `sequence`).
    static func appendSealed(_ plain: [UInt8], sequence: UInt64, logId: [UInt8], sealer: BatchSealer,
                             to out: inout [UInt8]) throws(AuditLogError) {
        out.append(AuditRecordCodec.sealedEventType)
        out.appendLE(sequence)
        do {
            out += try sealer.seal(plain, associatedData: associatedData(logId: logId, sequence: sequence))
        } catch {
            throw AuditLogError(.io, "cannot seal an audit event: \(error.message)")
        }
    }

    /// The plain event body inside a sealed body (`u8 3 | u64 seq | envelope`).
    func open(_ body: UnsafeRawBufferPointer, logId: [UInt8]) throws(AuditLogError) -> [UInt8] {
        guard body.count >= 9 + Envelope.overhead, body[0] == AuditRecordCodec.sealedEventType else {
            throw AuditLogError(.corrupt, "not a sealed event record")
        }
        let sequence = UInt64(littleEndian: body.loadUnaligned(fromByteOffset: 1, as: UInt64.self))
        var envelope = Array(body[9...])
        let id = envelope.withUnsafeBytes { Envelope.keyId($0)! }
        let key: DataKey
        do {
            key = try keyring.dataKey(for: Self.scope, id: id)
        } catch {
            throw AuditLogError(.badKey, "cannot open sealed audit event \(sequence): \(error.message)")
        }
        let ad = Self.associatedData(logId: logId, sequence: sequence)
        let opened = envelope.withUnsafeMutableBytes { raw in ad.withUnsafeBytes { key.open(envelope: raw, associatedData: $0) } }
        guard opened else { throw AuditLogError(.corrupt, "sealed audit event \(sequence) fails authentication") }
        return Array(envelope[Envelope.plaintextRange(envelope.count)])
    }
}

/// How a scan gets at event bodies: plain ones as they are, sealed ones opened with the
/// sealing (or refused without it). `logId` comes from the segment header.
struct AuditBodyOpener {
    let sealing: AuditSealing?
    var logId: [UInt8] = []

    /// Calls `body` with the plain body of a record (a checkpoint's or plain event's is passed
    /// through). Throws for a sealed event without a key or one that does not open.
    func withPlain<R>(_ stored: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws(AuditLogError) -> R) throws(AuditLogError) -> R {
        guard stored.count > 0, stored[0] == AuditRecordCodec.sealedEventType else { return try body(stored) }
        guard let sealing else {
            throw AuditLogError(.badKey, "the audit log is sealed (encryption at rest): give the master key to read it")
        }
        let plain = try sealing.open(stored, logId: logId)
        let result = plain.withUnsafeBytes { p in Result { () throws(AuditLogError) in try body(p) } }
        return try result.get()
    }
}
