/// What `verify` found. `firstBadSequence` is nil when the log is intact.
public struct AuditVerificationReport: Sendable, Hashable {
    /// The first sequence number that cannot be trusted: where the chain breaks, or, when a
    /// signature is missing or wrong, the first event after the last valid checkpoint.
    public var firstBadSequence: UInt64?
    public var problem: String?
    public var segments = 0
    public var events: UInt64 = 0
    public var checkpoints: UInt64 = 0
    /// The range verified (the oldest retained record to the last).
    public var firstSequence: UInt64 = 0
    public var lastSequence: UInt64 = 0
    /// The last record covered by a valid signature.
    public var lastSignedSequence: UInt64 = 0
    /// Bytes of an incomplete final record: an append cut short by a crash, never
    /// acknowledged. Not tampering (see the rule in docs/ARCHITECTURE.md).
    public var tornTailBytes = 0
    /// Remarks that are not failures (torn tail, segments awaiting deletion, unsigned tail).
    public var notes: [String] = []

    public var isIntact: Bool { firstBadSequence == nil }
}

/// Checks a log against a public key, trusting nothing in the directory.
///
/// The rules, in order: the ANCHOR (if any) is validly signed and says where the chain
/// starts; every segment's header carries this log's id, the expected first sequence number
/// and the hash of the record before it; every record has the next sequence number and
/// `SHA-256(previous hash || body)`; every checkpoint's Ed25519 signature is valid; every
/// closed segment ends with a checkpoint; the HEAD is validly signed and the log reaches
/// its sequence number with the same hash. Only the last segment may end inside a record
/// (a torn tail), and only after the HEAD.
public enum AuditVerifier {
    /// `sealing` opens sealed events so that they are decoded too; without it the chain,
    /// signatures and HEAD of a sealed log are still checked, and a note says how many
    /// sealed events were not decoded.
    public static func verify(directory: String, publicKey: AuditPublicKey,
                              sealing: AuditSealing? = nil) throws(AuditLogError) -> AuditVerificationReport {
        var report = AuditVerificationReport()
        var sealedUnread: UInt64 = 0
        let opener = AuditBodyOpener(sealing: sealing, logId: publicKey.logId)
        var all = try AuditLogDirectory.segments(in: directory)
        var expected: UInt64 = 1
        var previous = [UInt8](repeating: 0, count: 32)
        var lastSigned: UInt64 = 0

        func fail(_ sequence: UInt64, _ problem: String) -> AuditVerificationReport {
            var r = report
            r.firstBadSequence = sequence
            r.problem = problem
            r.lastSignedSequence = lastSigned
            return r
        }

        if AuditFileIO.exists(directory + "/ANCHOR") {
            guard let anchor = try? AuditLogDirectory.mark(.anchor, in: directory), anchor.isValid(for: publicKey) else {
                return fail(all.first ?? 1, "the ANCHOR file is not validly signed by this key")
            }
            expected = anchor.sequence
            previous = anchor.hash
            lastSigned = anchor.sequence - 1
            let stale = all.filter { $0 < anchor.sequence }
            if !stale.isEmpty { report.notes.append("\(stale.count) segment(s) before the anchor await deletion; not verified") }
            all.removeAll { $0 < anchor.sequence }
        }
        report.firstSequence = expected
        let head: AuditSignedMark?
        if AuditFileIO.exists(directory + "/HEAD") {
            guard let h = try? AuditLogDirectory.mark(.head, in: directory), h.isValid(for: publicKey) else {
                return fail(expected, "the HEAD file is not validly signed by this key")
            }
            head = h
        } else {
            head = nil
        }
        var headHashSeen: [UInt8]?
        var lastType: UInt8 = 0

        for (i, first) in all.enumerated() {
            let isLast = i == all.count - 1
            let name = AuditSegmentHeader.fileName(firstSequence: first)
            let bytes = try AuditFileIO.readAll(directory + "/" + name)
            report.segments += 1
            guard let header = try? AuditSegmentHeader.decode(bytes) else {
                return fail(expected, "segment \(name) has no valid header")
            }
            guard header.logId == publicKey.logId else { return fail(expected, "segment \(name) belongs to another log") }
            // Continuity first (a cut or deleted record is named exactly), then the previous
            // segment's closing signature, then the hash link.
            guard header.firstSequence == expected, first == expected else {
                return fail(expected, "segment \(name) starts at sequence \(header.firstSequence); \(expected) expected")
            }
            if i > 0 && lastType != AuditRecordCodec.checkpointType {
                return fail(lastSigned + 1, "segment \(AuditSegmentHeader.fileName(firstSequence: all[i - 1])) was closed without a signed checkpoint (replaced or cut)")
            }
            guard header.previousHash == previous else { return fail(expected, "segment \(name) does not link to the record before it") }
            var failure: (UInt64, String)?
            bytes.withUnsafeBytes { p in
                var offset = AuditSegmentHeader.size
                while offset < p.count {  // bounded: each record advances offset
                    switch AuditFrame.parse(p, at: offset, end: p.count) {
                    case .incomplete(let available):
                        if isLast {
                            report.tornTailBytes = available
                        } else {
                            failure = (expected, "segment \(name) ends inside a record")
                        }
                        return
                    case .invalid:
                        failure = (expected, "segment \(name) has an impossible record length at byte \(offset)")
                        return
                    case .record(let bodyRange, let hashRange, let next):
                        let body = UnsafeRawBufferPointer(rebasing: p[bodyRange])
                        guard let h = try? AuditRecordCodec.header(body) else {
                            failure = (expected, "unreadable record at byte \(offset) of \(name)")
                            return
                        }
                        guard h.sequence == expected else {
                            failure = (expected, "sequence \(h.sequence) found where \(expected) was expected (\(name))")
                            return
                        }
                        let stored = Array(p[hashRange])
                        guard AuditRecordCodec.chainHash(previous: previous, body: body) == stored else {
                            failure = (expected, "record \(expected) does not match its hash (edited, or the chain before it was)")
                            return
                        }
                        if h.type == AuditRecordCodec.checkpointType {
                            let signature = Array(body.suffix(AuditRecordCodec.signatureSize))
                            let message = AuditCheckpointMessage.bytes(logId: publicKey.logId, sequence: h.sequence, time: h.time, previousHash: previous)
                            guard body.count == AuditRecordCodec.checkpointBodySize,
                                  publicKey.isValidSignature(signature, for: message) else {
                                failure = (lastSigned + 1, "checkpoint \(expected) is not validly signed by this key")
                                return
                            }
                            lastSigned = expected
                            report.checkpoints += 1
                        } else if h.type == AuditRecordCodec.sealedEventType && sealing == nil {
                            sealedUnread += 1
                            report.events += 1
                        } else {
                            guard (try? opener.withPlain(body, { (plain) throws(AuditLogError) in try AuditRecordCodec.validateEvent(plain) })) != nil else {
                                failure = (expected, "record \(expected) does not decode")
                                return
                            }
                            report.events += 1
                        }
                        if let head, head.sequence == expected { headHashSeen = stored }
                        lastType = h.type
                        previous = stored
                        expected += 1
                        offset = next
                    }
                }
            }
            if let failure { return fail(failure.0, failure.1) }
        }
        report.lastSequence = expected - 1
        if let head {
            guard head.sequence <= report.lastSequence else {
                return fail(report.lastSequence + 1, "the log ends at \(report.lastSequence) but the signed HEAD is at \(head.sequence): truncated")
            }
            guard head.sequence >= report.firstSequence, headHashSeen == head.hash else {
                return fail(min(head.sequence, lastSigned + 1), "record \(head.sequence) does not match the signed HEAD")
            }
        } else if report.lastSequence >= report.firstSequence {
            report.notes.append("no HEAD file: truncation after the last checkpoint cannot be detected")
        }
        report.lastSignedSequence = lastSigned
        if sealedUnread > 0 {
            report.notes.append("\(sealedUnread) sealed event(s) checked by chain and signatures only (give the master key to decode them)")
        }
        if report.tornTailBytes > 0 {
            report.notes.append("torn tail: \(report.tornTailBytes) byte(s) of an unacknowledged record after \(report.lastSequence)")
        }
        if report.lastSequence > lastSigned {
            report.notes.append("\(report.lastSequence - lastSigned) record(s) after the last checkpoint are protected by the chain only")
        }
        return report
    }
}
