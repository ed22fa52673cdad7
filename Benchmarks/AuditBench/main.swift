import AuditLog
import Foundation
import Synchronization

// audit-bench: the audit log's benchmarks, and a writer for the crash test to kill.
//
//   audit-bench bench [--events N] [--dir DIR] [--keep]
//       writes N events (group commit) into DIR (a fresh temporary directory by default),
//       then times: one principal over one hour, a full scan that examines every record,
//       and a full decode of every record.
//   audit-bench write --dir DIR [--batch N]
//       writes fail-closed events in batches of N, awaiting each batch's durability, and
//       prints "acked <last id>" after each, until killed.

let arguments = Array(CommandLine.arguments.dropFirst())

func option(_ name: String) -> String? {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
    return arguments[i + 1]
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("audit-bench: \(message)\n".utf8))
    exit(2)
}

/// CPU seconds of this process: on a shared, overloaded machine wall time says more about
/// the neighbours than about the code, so both are printed.
func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func seconds(_ start: ContinuousClock.Instant) -> Double {
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

let hour: Int64 = 3_600_000
let start: Int64 = 1_764_000_000_000  // 2025-11-24T16:00:00Z, on an hour boundary

/// Event `i` of the synthetic load: 200 principals, 500 topics, 10% denied, 100,000 events
/// per hour of synthetic time.
func syntheticEvent(_ i: Int, perHour: Int) -> AuditEvent {
    let time = start + Int64(i) * hour / Int64(perHour)
    let p = (i &* 2_654_435_761) % 200
    let t = (i &* 40_503) % 500
    return AuditEvent(
        kind: .authorization, time: time, principal: "User:svc-\(p)", groups: ["team-\(p % 10)"],
        resourceType: "topic", resourceName: "orders-\(t)", access: i % 3 == 0 ? "write" : "read",
        apiName: i % 3 == 0 ? "Produce" : "Fetch", apiVersion: 9, result: i % 10 == 0 ? .denied : .allowed,
        policyId: "policy-\(t % 20)", policyVersion: 4, reason: i % 10 == 0 ? "no policy allows" : "",
        clientAddress: "10.\(p % 256).\(t % 256).\(i % 250)", clientPort: 40_000, listener: "SASL_SSL",
        connectionId: UInt64(p * 10 + i % 10), correlationId: Int32(truncatingIfNeeded: i), clientId: "svc-\(p)")
}

func bench() async throws {
    let events = Int(option("--events") ?? "10000000") ?? 10_000_000
    let perHour = 100_000
    let dir = option("--dir") ?? (NSTemporaryDirectory() + "audit-bench-\(UUID().uuidString)")
    let keep = arguments.contains("--keep")
    var config = AuditConfig(directory: dir + "/audit")
    config.retentionMilliseconds = -1
    for kind in AuditEventKind.allCases { config.modes[kind] = .raw }
    config.queueMaxEvents = 1_000_000
    let now = Atomic<Int64>(start)
    let key = try AuditSigningKey.loadOrCreate(path: config.keyFile)
    print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores (shared with other builds), \(ProcessInfo.processInfo.physicalMemory >> 30) GiB")
    print("log: \(dir)/audit")

    if (try? FileManager.default.contentsOfDirectory(atPath: config.directory))?.contains(where: { $0.hasSuffix(".audit") }) != true {
        let writer = try AuditLogWriter(config: config, key: key, clock: { now.load(ordering: .relaxed) })
        let t = ContinuousClock.now
        let cpu0 = cpuSeconds()
        var last = writer.record(syntheticEvent(0, perHour: perHour))
        for i in 1..<events {
            let e = syntheticEvent(i, perHour: perHour)
            now.store(e.time, ordering: .relaxed)
            last = writer.record(e)
            // A producer waits for its acknowledgement: at most 100,000 events in flight.
            if i % 100_000 == 0 { try await writer.waitDurable(last) }
        }
        try await writer.waitDurable(last)
        let elapsed = seconds(t)
        let cpu = cpuSeconds() - cpu0
        try await writer.flush()
        let stats = writer.statistics
        writer.close()
        print(String(format: "write: %d events in %.2f s wall = %.0f events/s (%.2f CPU s = %.0f events per CPU second); %llu group commits (%.0f events per fsync)",
                     events, elapsed, Double(events) / elapsed, cpu, Double(events) / cpu, stats.commits,
                     Double(stats.eventsWritten) / Double(max(stats.commits, 1))))
    } else {
        print("write: reusing the existing log")
    }
    let size = (try FileManager.default.contentsOfDirectory(atPath: config.directory))
        .filter { $0.hasSuffix(".audit") }
        .reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: config.directory + "/" + $1)[.size] as? Int) ?? 0) }
    print(String(format: "size: %.2f GB in segments, %.0f bytes per event", Double(size) / 1e9, Double(size) / Double(events)))

    let reader = AuditLogReader(directory: config.directory)
    func timed(_ name: String, rounds: Int, _ q: AuditQuery, decodeAll: Bool = false) throws {
        var times: [Double] = []
        var cpus: [Double] = []
        var matches = 0
        var stats = AuditScanStatistics()
        for _ in 0..<rounds {
            let t = ContinuousClock.now
            let c = cpuSeconds()
            matches = 0
            stats = try reader.query(q) { _ in matches += 1; return true }
            times.append(seconds(t))
            cpus.append(cpuSeconds() - c)
        }
        times.sort()
        cpus.sort()
        let median = times[times.count / 2]
        let cpu = cpus[cpus.count / 2]
        print(String(format: "%@: median %.1f ms wall (min %.1f, max %.1f, %d rounds), %.1f ms CPU; %d matches; %d records examined = %.2f M records/s wall, %.2f M per CPU second; segments read %d skipped %d, blocks read %d skipped %d",
                     name, median * 1000, times.first! * 1000, times.last! * 1000, rounds, cpu * 1000, matches, stats.recordsExamined,
                     Double(stats.recordsExamined) / median / 1e6, Double(stats.recordsExamined) / cpu / 1e6,
                     stats.segments, stats.segmentsSkipped, stats.blocks, stats.blocksSkipped))
    }
    var one = AuditQuery()
    one.principal = "User:svc-17"
    let middle = start + Int64(events / perHour / 2) * hour
    one.since = middle
    one.until = middle + hour
    try timed("one principal, one hour", rounds: 7, one)
    var none = AuditQuery()
    none.api = "NoSuchApi"  // not in the index: every record is examined, none decoded
    try timed("full scan (filter on a field the index does not hold)", rounds: 3, none)
    try timed("full scan decoding every event", rounds: 1, AuditQuery())
    let t = ContinuousClock.now
    let c = cpuSeconds()
    let report = try AuditVerifier.verify(directory: config.directory, publicKey: key.publicKey)
    let elapsed = seconds(t)
    let cpu = cpuSeconds() - c
    print(String(format: "verify (SHA-256 chain + Ed25519 checkpoints): %@ in %.2f s wall = %.2f M records/s (%.2f M per CPU second)",
                 report.isIntact ? "intact" : "FAILED", elapsed, Double(report.events + report.checkpoints) / elapsed / 1e6,
                 Double(report.events + report.checkpoints) / cpu / 1e6))
    if !keep { try? FileManager.default.removeItem(atPath: dir) }
}

func crashWriter() async throws {
    guard let dir = option("--dir") else { fail("write needs --dir") }
    let batch = Int(option("--batch") ?? "200") ?? 200
    var config = AuditConfig(directory: dir + "/audit")
    config.segmentBytes = 256 << 10  // rotate often, so a kill can land in a rotation
    config.checkpointIntervalMilliseconds = 50
    for kind in AuditEventKind.allCases { config.modes[kind] = .raw }
    let writer = try AuditLogWriter(config: config)
    var id: Int32 = 0
    while true {  // until killed
        var tickets: [AuditTicket] = []
        for _ in 0..<batch {
            id += 1
            var e = syntheticEvent(Int(id), perHour: 100_000)
            e.time = AuditLogWriter.systemMilliseconds()
            e.lastTime = e.time
            e.result = .denied  // fail-closed: an ack means it is on disk
            e.correlationId = id
            tickets.append(writer.record(e))
        }
        for t in tickets { try await writer.waitDurable(t) }
        FileHandle.standardOutput.write(Data("acked \(id)\n".utf8))
    }
}

switch arguments.first {
case "bench": try await bench()
case "write": try await crashWriter()
default: fail("usage: audit-bench bench [--events N] [--dir DIR] [--keep] | write --dir DIR [--batch N]")
}
