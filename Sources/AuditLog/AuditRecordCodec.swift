import Crypto

/// The on-disk record: `u32 bodyLength | body | SHA-256(previous hash || body)`.
///
/// Binary, little-endian, with a fixed header first so a scan reads time, kind and result
/// at fixed offsets and reaches the principal and resource after two length prefixes; JSON
/// exists only at output time. Pure: bytes in, bytes out.
///
/// Event body: `u8 type=1 | u64 seq | i64 time | i64 lastTime | u32 count | u8 kind |
/// u8 result | i16 apiVersion | i64 policyVersion | u64 connectionId | i32 correlationId |
/// u16 clientPort | strings (u32 length + UTF-8) principal, resourceType, resourceName,
/// tenant, access, apiName, policyId, reason, clientAddress, listener, clientId,
/// mechanism, tlsProtocol, tlsCipher, tlsPeer, action, before, after | u32 groups count,
/// strings`.
/// Checkpoint body: `u8 type=2 | u64 seq | i64 time | 64-byte Ed25519 signature` over
/// `AuditCheckpointMessage` (log id, seq, time, previous hash).
enum AuditRecordCodec {
    static let eventType: UInt8 = 1
    static let checkpointType: UInt8 = 2
    /// An event body sealed for encryption at rest (`AuditSealing`).
    static let sealedEventType: UInt8 = 3
    static let hashSize = 32
    static let signatureSize = 64
    /// Fixed part of an event body, before the first string.
    static let eventFixedSize = 55
    static let checkpointBodySize = 1 + 8 + 8 + signatureSize
    /// The largest body accepted: a bound for hostile lengths (events are cut well below).
    static let maxBodySize = 4 << 20
    static let stringLimit = 64 << 10
    static let changeLimit = 256 << 10
    static let maxGroups = 256

    /// Appends an event body (no framing).
    static func appendEventBody(_ e: AuditEvent, sequence: UInt64, to out: inout [UInt8]) {
        out.append(eventType)
        out.appendLE(sequence)
        out.appendLE(e.time)
        out.appendLE(e.lastTime)
        out.appendLE(e.count)
        out.append(e.kind.rawValue)
        out.append(e.result.rawValue)
        out.appendLE(e.apiVersion)
        out.appendLE(e.policyVersion)
        out.appendLE(e.connectionId)
        out.appendLE(e.correlationId)
        out.appendLE(e.clientPort)
        for s in [e.principal, e.resourceType, e.resourceName, e.tenant, e.access, e.apiName, e.policyId, e.reason,
                  e.clientAddress, e.listener, e.clientId, e.mechanism, e.tls.protocolVersion, e.tls.cipherSuite,
                  e.tls.peerSubject, e.action] {
            out.appendString(s, limit: stringLimit)
        }
        out.appendString(e.before, limit: changeLimit)
        out.appendString(e.after, limit: changeLimit)
        let groups = e.groups.prefix(maxGroups)
        out.appendLE(UInt32(groups.count))
        for g in groups { out.appendString(g, limit: 1024) }
    }

    /// Frames a body already appended at `out[bodyStart...]` (after a 4-byte placeholder at
    /// `bodyStart - 4`) and appends its chain hash; returns the hash.
    static func finishRecord(_ out: inout [UInt8], bodyStart: Int, previousHash: [UInt8]) -> [UInt8] {
        let length = UInt32(out.count - bodyStart)
        withUnsafeBytes(of: length.littleEndian) { p in
            for i in 0..<4 { out[bodyStart - 4 + i] = p[i] }
        }
        let hash = out.withUnsafeBytes { chainHash(previous: previousHash, body: UnsafeRawBufferPointer(rebasing: $0[bodyStart...])) }
        out.append(contentsOf: hash)
        return hash
    }

    static func chainHash(previous: [UInt8], body: UnsafeRawBufferPointer) -> [UInt8] {
        var h = SHA256()
        h.update(data: previous)
        h.update(bufferPointer: body)
        return Array(h.finalize())
    }

    /// Decodes an event body (its `type` byte must be `eventType`).
    static func decodeEvent(_ body: UnsafeRawBufferPointer) throws(AuditLogError) -> AuditRecord {
        var r = ByteReader(body, from: 0, to: body.count)
        guard try r.read(UInt8.self) == eventType else { throw AuditLogError(.corrupt, "not an event record") }
        let seq = try r.read(UInt64.self)
        let time = try r.read(Int64.self)
        let lastTime = try r.read(Int64.self)
        let count = try r.read(UInt32.self)
        guard let kind = AuditEventKind(rawValue: try r.read(UInt8.self)) else { throw AuditLogError(.corrupt, "unknown event kind") }
        guard let result = AuditResult(rawValue: try r.read(UInt8.self)) else { throw AuditLogError(.corrupt, "unknown result") }
        let apiVersion = try r.read(Int16.self)
        let policyVersion = try r.read(Int64.self)
        let connectionId = try r.read(UInt64.self)
        let correlationId = try r.read(Int32.self)
        let clientPort = try r.read(UInt16.self)
        var s: [String] = []
        s.reserveCapacity(18)
        for _ in 0..<18 { s.append(try r.readString()) }
        let groupCount = Int(try r.read(UInt32.self))
        guard groupCount <= maxGroups else { throw AuditLogError(.corrupt, "too many groups") }
        var groups: [String] = []
        for _ in 0..<groupCount { groups.append(try r.readString()) }
        guard r.remaining == 0 else { throw AuditLogError(.corrupt, "trailing bytes in event record") }
        let event = AuditEvent(
            kind: kind, time: time, lastTime: lastTime, count: count, principal: s[0], groups: groups, tenant: s[3],
            resourceType: s[1], resourceName: s[2], access: s[4], apiName: s[5], apiVersion: apiVersion, result: result,
            policyId: s[6], policyVersion: policyVersion, action: s[15], reason: s[7], clientAddress: s[8], clientPort: clientPort,
            listener: s[9], connectionId: connectionId, correlationId: correlationId, clientId: s[10], mechanism: s[11],
            tls: AuditTLS(protocolVersion: s[12], cipherSuite: s[13], peerSubject: s[14]),
            before: s[16], after: s[17])
        return AuditRecord(sequence: seq, event: event)
    }

    /// Checks that an event body is well formed (every length in bounds, known kind and
    /// result, nothing trailing) without building its strings: verify's fast path.
    static func validateEvent(_ body: UnsafeRawBufferPointer) throws(AuditLogError) {
        var r = ByteReader(body, from: 0, to: body.count)
        guard try r.read(UInt8.self) == eventType else { throw AuditLogError(.corrupt, "not an event record") }
        r.offset = 1 + 8 + 8 + 8 + 4
        guard r.offset + 2 <= r.end else { throw AuditLogError(.corrupt, "event record too short") }
        guard AuditEventKind(rawValue: try r.read(UInt8.self)) != nil else { throw AuditLogError(.corrupt, "unknown event kind") }
        guard AuditResult(rawValue: try r.read(UInt8.self)) != nil else { throw AuditLogError(.corrupt, "unknown result") }
        r.offset = eventFixedSize
        guard r.offset <= r.end else { throw AuditLogError(.corrupt, "event record too short") }
        for _ in 0..<18 { _ = try r.readStringBytes() }
        let groups = Int(try r.read(UInt32.self))
        guard groups <= maxGroups else { throw AuditLogError(.corrupt, "too many groups") }
        for _ in 0..<groups { _ = try r.readStringBytes() }
        guard r.remaining == 0 else { throw AuditLogError(.corrupt, "trailing bytes in event record") }
    }

    /// The sequence number and type of any body, read at fixed offsets.
    static func header(_ body: UnsafeRawBufferPointer) throws(AuditLogError) -> (type: UInt8, sequence: UInt64, time: Int64) {
        var r = ByteReader(body, from: 0, to: body.count)
        return (try r.read(UInt8.self), try r.read(UInt64.self), try r.read(Int64.self))
    }
}

/// One framed record found in a byte range, or why there is none.
enum AuditFrame {
    /// `body` and `hash` are offsets into the scanned buffer; `next` is where the next record starts.
    case record(body: Range<Int>, hash: Range<Int>, next: Int)
    /// The bytes stop inside the record: a torn write if this is the end of the active segment.
    case incomplete(available: Int)
    /// The length prefix is impossible (zero or above the maximum).
    case invalid

    static func parse(_ buffer: UnsafeRawBufferPointer, at offset: Int, end: Int) -> AuditFrame {
        let available = end - offset
        guard available >= 4 else { return .incomplete(available: available) }
        let length = Int(UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
        guard length >= 17, length <= AuditRecordCodec.maxBodySize else { return .invalid }
        let total = 4 + length + AuditRecordCodec.hashSize
        guard available >= total else { return .incomplete(available: available) }
        let bodyStart = offset + 4
        return .record(body: bodyStart..<(bodyStart + length), hash: (bodyStart + length)..<(offset + total), next: offset + total)
    }
}
