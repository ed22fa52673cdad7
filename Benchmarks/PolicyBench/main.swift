import Foundation
import PolicyEngine

// policy-bench: 10,000 Ranger policies over 100,000 topics.
//   swift run -c release --scratch-path .build-pol policy-bench
// Prints a Markdown table for docs/BENCHMARKS.md and exits 1 if a target is missed.

let policyCount = 10_000
let topicCount = 100_000
let samples = 100_000

/// Policy i: group g(i % 500) may consume and publish `team<i>-*`; every tenth policy also
/// denies the interns group on `team<i>-secret*`; every hundredth names exact topics.
func policiesJSON() -> Data {
    var policies: [String] = []
    policies.reserveCapacity(policyCount)
    for i in 0..<policyCount {
        var deny = ""
        if i % 10 == 0 {
            deny = #", "denyPolicyItems": [{"groups": ["interns"], "accesses": [{"type": "consume"}]}]"#
        }
        let values = i % 100 == 0 ? #""team\#(i)-topic1", "team\#(i)-topic2""# : #""team\#(i)-*""#
        policies.append(#"{"id": \#(i + 1), "name": "p\#(i)", "resources": {"topic": {"values": [\#(values)]}}, "policyItems": [{"groups": ["g\#(i % 500)"], "users": ["svc\#(i)"], "accesses": [{"type": "consume"}, {"type": "publish"}]}]\#(deny)}"#)
    }
    return Data(#"{"serviceName": "kafka", "policies": [\#(policies.joined(separator: ",\n"))]}"#.utf8)
}

func topic(_ n: Int) -> String { "team\(n % policyCount)-topic\(n / policyCount)" }

/// This thread's CPU time: on a loaded machine wall time includes the time other
/// processes held the core, which a quiet machine would not.
func threadCPUSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

func percentile(_ sorted: [UInt64], _ p: Double) -> Double {
    Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1000
}

let clock = ContinuousClock()
let data = policiesJSON()
let loadStart = clock.now
let snapshot = try PolicySnapshot.load(files: [PolicyFile(name: "bench.json", contents: data)], version: 1)
let loadTime = clock.now - loadStart

// A principal in five groups; requests over all 100,000 topics in a fixed pseudo-random order.
let principal = Principal(user: "alice", groups: ["g1", "g2", "g3", "g4", "g5"])
var rng = SystemRandomNumberGenerator()
let order = (0..<samples).map { _ in Int.random(in: 0..<topicCount, using: &rng) }
let requests = order.map { AccessRequest.kafka(.topic, topic($0), $0 % 2 == 0 ? .read : .describe) }

func measure(_ evaluator: PolicyEvaluator) -> [UInt64] {
    var times: [UInt64] = []
    times.reserveCapacity(requests.count)
    var allowed = 0
    for request in requests {
        let start = clock.now
        let d = evaluator.authorize([request], principal: principal, clientAddress: "10.0.0.1")
        let elapsed = clock.now - start
        if d[0].isAllowed { allowed += 1 }
        times.append(UInt64(elapsed.components.attoseconds / 1_000_000_000) + UInt64(elapsed.components.seconds) * 1_000_000_000)
    }
    precondition(allowed > 0 && allowed < requests.count, "the workload must mix allows and denies")
    return times.sorted()
}

let uncached = measure(PolicyEvaluator(snapshot: snapshot, cacheCapacity: 0))
let cachingEvaluator = PolicyEvaluator(snapshot: snapshot)
_ = measure(cachingEvaluator)  // warm: every request now cached
let cached = measure(cachingEvaluator)

// An all-topics Metadata: DESCRIBE for 10,000 topics in one batched call, cold cache.
let metadataTopics = (0..<10_000).map { AccessRequest.kafka(.topic, topic($0 * 7 % topicCount), .describe) }
var metadataRuns: [Double] = []
var metadataCPU: [Double] = []
for _ in 0..<5 {
    let fresh = PolicyEvaluator(snapshot: snapshot)
    let cpuStart = threadCPUSeconds()
    let start = clock.now
    let decisions = fresh.authorize(metadataTopics, principal: principal, clientAddress: "10.0.0.1")
    let elapsed = clock.now - start
    precondition(decisions.count == metadataTopics.count)
    metadataCPU.append(threadCPUSeconds() - cpuStart)
    metadataRuns.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
}
metadataRuns.sort()
metadataCPU.sort()
// The same batch without the cache, to separate evaluation from cache filling.
let uncachedBatchStart = clock.now
_ = PolicyEvaluator(snapshot: snapshot, cacheCapacity: 0).authorize(metadataTopics, principal: principal, clientAddress: "10.0.0.1")
let uncachedBatch = clock.now - uncachedBatchStart
// And the same 10,000 requests one call each, to tell batching costs from evaluation.
let uncachedEvaluator = PolicyEvaluator(snapshot: snapshot, cacheCapacity: 0)
let singlesStart = clock.now
for request in metadataTopics { _ = uncachedEvaluator.authorize([request], principal: principal, clientAddress: "10.0.0.1") }
let uncachedSingles = clock.now - singlesStart

let rows: [(String, String, Double, Double)] = [
    ("cached decision p50", "≤ 1 µs", percentile(cached, 0.5), 1),
    ("cached decision p99", "≤ 5 µs", percentile(cached, 0.99), 5),
    ("uncached decision p50", "—", percentile(uncached, 0.5), .infinity),
    ("uncached decision p99", "≤ 20 µs", percentile(uncached, 0.99), 20),
    ("Metadata filter, 10,000 topics (median of 5, cold cache)", "≤ 20 ms", metadataRuns[2] * 1000, 20_000),
]
print("policies: \(policyCount), topics: \(topicCount), samples: \(samples), snapshot load: \(loadTime), "
      + "10,000-topic batch without a cache: \(uncachedBatch), the same as 10,000 calls: \(uncachedSingles); "
      + "the Metadata batch's own CPU time (median of 5): " + String(format: "%.2f ms", metadataCPU[2] * 1000))
print("")
print("| measure | target | result |")
print("|---|---|---|")
var missed = false
for (name, target, value, limit) in rows {
    let shown = name.hasPrefix("Metadata") ? String(format: "%.2f ms", value / 1000) : String(format: "%.2f µs", value)
    print("| \(name) | \(target) | \(shown) |")
    if value > limit { missed = true }
}
if missed {
    print("\nA target was missed.")
    exit(1)
}
