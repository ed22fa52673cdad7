import BulwarkTestSupport
import Testing

@testable import KafkaWire

/// A short, seeded run of the mutation fuzzer; the long run is `wire-fuzz 1000000`.
@Suite struct FuzzSmokeTests {
    @Test func aSeededRunFindsNoCrashAndNoReencodeFailure() {
        let corpus = FuzzCorpus.generated() + FuzzCorpus.recordBatches()
            + FuzzCorpus.capturedFrames(in: CapturedFrames.directory)
        #expect(corpus.count > 300)
        var fuzzer = WireFuzzer(seed: 20261125, corpus: corpus)
        let report = fuzzer.run(iterations: 100_000)
        #expect(report.inputs == 100_000)
        #expect(report.failures == [])
        // Both outcomes occur: mutations that keep a message valid, and ones that break it.
        #expect(report.accepted > 1_000)
        #expect(report.rejected > 1_000)
    }
}
