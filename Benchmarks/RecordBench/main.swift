#if canImport(Glibc)
import Glibc
#endif
import Crypto
import Foundation
import KafkaWire
import LogStorage
import Logging
import NIOCore
import PolicyEngine
import RecordLevel

// record-bench: issue 7's figures (docs/BENCHMARKS.md).
//
//   record-bench filter [MiB]        filtered fetch of 1 KiB JSON records in lz4 batches:
//                                    row filter keeping half + a card mask, MB/s of input
//   record-bench fastpath DIR [MiB]  1 MiB reads from a partition log with and without the
//                                    per-fetch record-rule lookup of the fast path

let policies = #"""
{"policies": [
  {"id": 1, "resources": {"topic": {"values": ["bench"]}},
   "policyItems": [{"users": ["alice", "bob"], "accesses": [{"type": "consume"}]}]},
  {"id": 20, "policyType": 2, "resources": {"topic": {"values": ["bench"]}},
   "rowFilterPolicyItems": [{"users": ["alice"], "accesses": [{"type": "consume"}],
     "rowFilterInfo": {"filterExpr": "headers['region'] == '${{USER.region}}' and value.amount < 10000"}}]},
  {"id": 21, "policyType": 1, "resources": {"topic": {"values": ["bench"]}, "field": {"values": ["value.card"]}},
   "dataMaskPolicyItems": [{"users": ["alice"], "accesses": [{"type": "consume"}], "dataMaskInfo": {"dataMaskType": "MASK_SHOW_LAST_4"}}]}
]}
"""#
let principals = #"{"userAttributes": {"alice": {"region": "eu"}}}"#

func evaluator() throws -> PolicyEvaluator {
    PolicyEvaluator(snapshot: try PolicySnapshot.load(files: [PolicyFile(name: "p.json", contents: Data(policies.utf8)),
                                                              PolicyFile(name: "u.json", contents: Data(principals.utf8))], version: 1))
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// 1 KiB JSON values (exactly 1024 bytes), half in region eu, amounts spread so the
/// filter keeps about half of those.
func record(_ i: Int) -> (value: ByteBuffer, region: String) {
    let head = #"{"id": \#(i), "amount": \#((i * 7919) % 20000), "card": "4111111111\#(String(format: "%06d", i % 1_000_000))", "customer": {"name": "Customer \#(i)", "email": "c\#(i)@example.com"}, "items": ["#
    var text = head
    var n = 0
    while text.utf8.count < 900 {
        text += #"{"sku": "SKU-\#(n)", "qty": \#(n % 5 + 1)}, "#
        n += 1
    }
    text = String(text.dropLast(2)) + #"], "note": ""#
    // Filler text (not one repeated byte, so lz4 has some work) up to exactly 1024 bytes.
    let words = ["alpha ", "bravo ", "charlie ", "delta ", "echo ", "foxtrot ", "golf ", "hotel "]
    var k = i
    while text.utf8.count < 1022 {
        text += words[k % words.count]
        k = (k * 31 + 7) % 1_000_003
    }
    while text.utf8.count > 1022 { text.removeLast() }
    text += #""}"#
    return (ByteBuffer(string: text), i % 2 == 0 ? "eu" : "us")
}

let recordsPerBatch = 32

func batches(totalBytes: Int, baseOffset: Int64 = 0) throws -> (fetches: [ByteBuffer], inputBytes: Int, wireBytes: Int, records: Int) {
    var fetches: [ByteBuffer] = []
    var fetch = ByteBuffer()
    var offset = baseOffset
    var input = 0
    var wire = 0
    var count = 0
    while input < totalBytes {
        var b = RecordBatchBuilder(compression: .lz4)
        b.baseOffset = offset
        for _ in 0..<recordsPerBatch {
            let (value, region) = record(count)
            input += value.readableBytes
            b.append(timestamp: 1_700_000_000_000 + Int64(count), key: ByteBuffer(string: "k\(count)"), value: value,
                     headers: [RecordHeader(key: "region", value: ByteBuffer(string: region))])
            count += 1
        }
        offset += Int64(recordsPerBatch)
        let bytes = try b.build()
        wire += bytes.readableBytes
        if fetch.readableBytes + bytes.readableBytes > 1 << 20 {
            fetches.append(fetch)
            fetch = ByteBuffer()
        }
        fetch.writeImmutableBuffer(bytes)
    }
    if fetch.readableBytes > 0 { fetches.append(fetch) }
    return (fetches, input, wire, count)
}

func filterBench(mib: Int) throws {
    let (fetches, input, wire, count) = try batches(totalBytes: mib << 20)
    let rules = try evaluator().recordRules(topic: "bench", access: "consume", principal: Principal(user: "alice"), clientAddress: nil)
    let plan = RecordLevelPlan(rules: rules, hashKey: SymmetricKey(size: .bits256))
    var best = Double.infinity
    var summary = RecordLevelSummary()
    let passes = Int(ProcessInfo.processInfo.environment["RECORD_BENCH_PASSES"] ?? "3") ?? 3
    for _ in 0..<passes {
        summary = RecordLevelSummary()
        let start = now()
        for f in fetches {
            let (_, s) = RecordBatchFilter.apply(plan, to: f)
            summary.add(s)
        }
        best = min(best, now() - start)
    }
    print(String(format: "filter-lz4-1KiB: %d records (%.1f MiB JSON, %.1f MiB lz4 on the wire), returned %d, masked %d",
                 count, Double(input) / 1048576, Double(wire) / 1048576, summary.returned, summary.masked))
    print(String(format: "filter-lz4-1KiB: %.0f MB/s of input (uncompressed record values), %.0f MB/s of wire bytes, %.0f records/s (best of %d)",
                 Double(input) / best / 1e6, Double(wire) / best / 1e6, Double(count) / best, passes))
}

func fastPathBench(directory: String, mib: Int) throws {
    var logger = Logger(label: "record-bench")
    logger.logLevel = .error
    var defaults = LogConfig()
    defaults.retentionMs = -1
    let manager = try LogManager(directory: directory, defaults: defaults, durability: .pageCache, logger: logger, encryption: nil)
    try manager.open()
    defer { manager.close() }
    if manager.topics()["bench"] == nil {
        try manager.createTopic("bench", partitions: 1, overrides: [:])
        let log = manager.partition(TopicPartition(topic: "bench", partition: 0))!
        let (fetches, _, _, _) = try batches(totalBytes: mib << 20)
        var validator = RecordBatchValidator()
        validator.maxBatchBytes = 1 << 24
        for f in fetches {
            var iterator = RecordBatchIterator(f)
            while case .batch(var batch) = try iterator.next() {
                batch.assign(baseOffset: 0, partitionLeaderEpoch: -1)  // producers send 0; the log assigns
                _ = try log.append(batch.bytes, validated: try validator.validate(batch.bytes), now: 1_700_000_000_000)
            }
        }
        try manager.flushAll()
    }
    let log = manager.partition(TopicPartition(topic: "bench", partition: 0))!
    let policy = try evaluator()
    let bob = Principal(user: "bob")
    func pass(lookup: Bool) throws -> (Double, Int) {
        var next = log.logStartOffset
        var bytes = 0
        let start = now()
        while next < log.logEndOffset {
            if lookup {
                // What FetchHandler does per topic: the cached record-rule lookup; empty → untouched.
                let rules = policy.recordRules(topic: "bench", access: "consume", principal: bob, clientAddress: "127.0.0.1")
                precondition(rules.isEmpty)
            }
            let records = try log.read(from: next, maxBytes: 1 << 20).records
            bytes += records.readableBytes
            var iterator = RecordBatchIterator(records)
            var last = next
            while case .batch(let b) = try iterator.next() { last = b.header.lastOffset + 1 }
            next = last
        }
        return (now() - start, bytes)
    }
    _ = try pass(lookup: false)  // warm the page cache
    var plain = Double.infinity, checked = Double.infinity
    var bytes = 0
    for i in 0..<40 {
        // Alternate which goes first, so neither pays for the other's garbage.
        let (a, n, b): (Double, Int, Double)
        if i % 2 == 0 {
            (a, n) = try pass(lookup: false)
            (b, _) = try pass(lookup: true)
        } else {
            (b, _) = try pass(lookup: true)
            (a, n) = try pass(lookup: false)
        }
        plain = min(plain, a)
        checked = min(checked, b)
        bytes = n
    }
    let lookups = 200_000
    let start = now()
    for _ in 0..<lookups { _ = policy.recordRules(topic: "bench", access: "consume", principal: bob, clientAddress: "127.0.0.1") }
    let perLookup = (now() - start) / Double(lookups)
    print(String(format: "fastpath: 1 MiB reads of %.0f MiB: %.0f MB/s without the lookup, %.0f MB/s with it (%+.2f%%, best of 40 each, interleaved)",
                 Double(bytes) / 1048576, Double(bytes) / plain / 1e6, Double(bytes) / checked / 1e6, (checked / plain - 1) * 100))
    print(String(format: "fastpath: one cached lookup %.0f ns; per 1 MiB fetch that is %.3f%% of the read time",
                 perLookup * 1e9, perLookup / (plain / Double(max(1, bytes >> 20))) * 100))
}

let args = CommandLine.arguments
switch args.count > 1 ? args[1] : "" {
case "filter": try filterBench(mib: args.count > 2 ? Int(args[2])! : 64)
case "fastpath":
    guard args.count > 2 else { print("usage: record-bench fastpath DIR [MiB]"); exit(2) }
    try fastPathBench(directory: args[2], mib: args.count > 3 ? Int(args[3])! : 256)
default:
    print("usage: record-bench filter [MiB] | fastpath DIR [MiB]")
    exit(2)
}
