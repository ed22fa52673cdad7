import BulwarkTestSupport
import Foundation

// wire-fuzz: runs the in-repo mutation fuzzer over every decoder of the wire codec.
// Usage: wire-fuzz [ITERATIONS] [SEED] [CAPTURED_FRAMES_DIR]
// The long run the README documents: swift run -c release wire-fuzz 1000000
let args = CommandLine.arguments
let iterations = args.count > 1 ? Int(args[1]) ?? 1_000_000 : 1_000_000
let seed = args.count > 2 ? UInt64(args[2]) ?? 1 : UInt64(Date().timeIntervalSince1970)
let framesDir = URL(fileURLWithPath: args.count > 3 ? args[3] : "Tests/KafkaWireTests/Fixtures/captured")

let corpus = FuzzCorpus.generated() + FuzzCorpus.recordBatches() + FuzzCorpus.capturedFrames(in: framesDir)
print("wire-fuzz: seed \(seed), \(corpus.count) seeds, \(iterations) inputs")
var fuzzer = WireFuzzer(seed: seed, corpus: corpus)
let start = Date()
var total = WireFuzzer.Report()
let chunk = 100_000
var done = 0
while done < iterations {
    let n = min(chunk, iterations - done)
    let report = fuzzer.run(iterations: n)
    total.inputs += report.inputs
    total.accepted += report.accepted
    total.rejected += report.rejected
    total.failures += report.failures
    done += n
    let rate = Double(done) / Date().timeIntervalSince(start)
    print("  \(done) inputs, \(Int(rate))/s, \(total.failures.count) failures")
}
print("wire-fuzz: \(total)")
for failure in total.failures.prefix(20) { print("  FAIL \(failure)") }
exit(total.failures.isEmpty ? 0 : 1)
