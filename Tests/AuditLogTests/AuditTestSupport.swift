import Foundation
import Synchronization

@testable import AuditLog

/// A temporary directory removed when the value goes away.
final class AuditTempDirectory {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "audit-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    var audit: String { path + "/audit" }
}

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    private let now: Mutex<Int64>

    init(_ start: Int64) { now = Mutex(start) }

    func advance(_ ms: Int64) { now.withLock { $0 += ms } }
    var read: @Sendable () -> Int64 { { [self] in now.withLock { $0 } } }
}

/// A deterministic generator (SplitMix64) so random cases replay.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

enum AuditFixtures {
    static let t0: Int64 = 1_700_000_000_000

    static func config(_ dir: AuditTempDirectory, segmentBytes: Int = 1 << 20, raw: Bool = true) -> AuditConfig {
        var c = AuditConfig(directory: dir.audit)
        c.segmentBytes = segmentBytes
        c.retentionMilliseconds = -1
        if raw { for k in AuditEventKind.allCases { c.modes[k] = .raw } }
        return c
    }

    static func event(_ i: Int, time: Int64? = nil, result: AuditResult = .allowed) -> AuditEvent {
        AuditEvent(kind: .authorization, time: time ?? t0 + Int64(i), principal: "User:u\(i % 7)", groups: ["g\(i % 3)"],
                   resourceType: "topic", resourceName: "orders-\(i % 5)", access: i % 2 == 0 ? "read" : "write",
                   apiName: i % 2 == 0 ? "Fetch" : "Produce", apiVersion: 12, result: result, policyId: "p\(i % 4)",
                   policyVersion: 3, reason: "event \(i)", clientAddress: "10.0.\(i % 4).\(i % 250)", clientPort: 5000,
                   listener: "PLAINTEXT", connectionId: UInt64(i), correlationId: Int32(i), clientId: "cli")
    }

    static func random(_ rng: inout SeededRandom, time: Int64) -> AuditEvent {
        let principals = ["User:alice", "User:bob", "User:carol", "User:dave", "User:erin"]
        let resources = ["orders", "orders-eu", "payments", "audit", "logs"]
        let kinds: [AuditEventKind] = [.authorization, .authorization, .authentication, .admin, .recordSummary]
        return AuditEvent(
            kind: kinds.randomElement(using: &rng)!, time: time, principal: principals.randomElement(using: &rng)!,
            tenant: ["", "acme", "globex"].randomElement(using: &rng)!,
            resourceType: ["topic", "group"].randomElement(using: &rng)!, resourceName: resources.randomElement(using: &rng)!,
            access: ["read", "write", "describe"].randomElement(using: &rng)!,
            apiName: ["Fetch", "Produce", "Metadata"].randomElement(using: &rng)!, apiVersion: 9,
            result: Bool.random(using: &rng) ? .allowed : .denied, policyId: ["p1", "p2", ""].randomElement(using: &rng)!,
            clientAddress: ["10.1.2.3", "10.1.9.9", "192.168.0.7", "2001:db8::5"].randomElement(using: &rng)!,
            connectionId: UInt64.random(in: 1...50, using: &rng))
    }

    /// A writer that commits only at `flush()` and `close()`, so the segments, rotations and
    /// checkpoints a test asserts follow from what it wrote, not from the flush thread's timing.
    static func flushOnlyWriter(_ config: AuditConfig, key: AuditSigningKey, clock: ManualClock? = nil,
                                sealing: AuditSealing? = nil) throws -> AuditLogWriter {
        try AuditLogWriter(config: config, key: key, clock: clock?.read ?? AuditLogWriter.systemMilliseconds,
                           sealing: sealing, batching: .onFlushOnly)
    }

    /// Writes `events` through a writer (one flush at the end) and closes it.
    static func write(_ events: [AuditEvent], config: AuditConfig, key: AuditSigningKey, clock: ManualClock? = nil) async throws {
        let writer = try AuditLogWriter(config: config, key: key, clock: clock?.read ?? AuditLogWriter.systemMilliseconds)
        for e in events { _ = writer.record(e) }
        try await writer.flush()
        writer.close()
    }

    static func all(_ dir: String) throws -> [AuditRecord] {
        var out: [AuditRecord] = []
        try AuditLogReader(directory: dir).query(AuditQuery()) { out.append($0); return true }
        return out
    }
}

/// Where each record of a segment sits, for the tamper tests.
struct SegmentLayout {
    struct Entry { var sequence: UInt64; var type: UInt8; var range: Range<Int> }
    var entries: [Entry] = []

    init(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { p in
            var offset = AuditSegmentHeader.size
            while case .record(let body, _, let next) = AuditFrame.parse(p, at: offset, end: p.count) {
                let h = try! AuditRecordCodec.header(UnsafeRawBufferPointer(rebasing: p[body]))
                entries.append(Entry(sequence: h.sequence, type: h.type, range: offset..<next))
                offset = next
            }
        }
    }

    func entry(_ sequence: UInt64) -> Entry? { entries.first { $0.sequence == sequence } }
}
