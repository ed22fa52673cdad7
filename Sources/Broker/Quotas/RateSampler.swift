/// A rate over a sliding window of samples, with Kafka's `SampledStat`/`Rate` semantics:
/// `samples` windows of `windowMs` each; a sample older than the whole window is dropped;
/// the rate divides the retained total by the elapsed time, counted as at least
/// `samples - 1` full windows so a burst at start-up is not read as an infinite rate.
struct RateSampler: Sendable {
    private struct Sample {
        var startMs: Int64
        var value: Double
    }

    let samples: Int
    let windowMs: Int64
    private var ring: [Sample] = []
    private var current = 0

    init(samples: Int, windowMs: Int64) {
        precondition(samples >= 2 && windowMs > 0)
        self.samples = samples
        self.windowMs = windowMs
    }

    /// When the newest sample began, for expiring idle samplers.
    var lastActivityMs: Int64 { ring.isEmpty ? Int64.min : ring[current].startMs }

    mutating func record(_ value: Double, nowMs: Int64) {
        if ring.isEmpty {
            ring.append(Sample(startMs: nowMs, value: 0))
            current = 0
        } else if nowMs - ring[current].startMs >= windowMs {
            // Move to the next slot; reuse the oldest once the ring is full.
            if ring.count < samples {
                ring.append(Sample(startMs: nowMs, value: 0))
                current = ring.count - 1
            } else {
                current = (current + 1) % samples
                ring[current] = Sample(startMs: nowMs, value: 0)
            }
        }
        ring[current].value += value
    }

    /// The rate per second at `nowMs`.
    func rate(nowMs: Int64) -> Double {
        let live = ring.filter { nowMs - $0.startMs < Int64(samples) * windowMs }
        guard let oldest = live.map(\.startMs).min() else { return 0 }
        let total = live.reduce(0) { $0 + $1.value }
        return total / (Double(windowLengthMs(oldestStartMs: oldest, nowMs: nowMs)) / 1000)
    }

    /// Kafka's `Rate.windowSize`: elapsed time since the oldest sample, padded to at
    /// least `samples - 1` whole windows.
    func windowLengthMs(nowMs: Int64) -> Int64 {
        let live = ring.filter { nowMs - $0.startMs < Int64(samples) * windowMs }
        return windowLengthMs(oldestStartMs: live.map(\.startMs).min() ?? nowMs, nowMs: nowMs)
    }

    private func windowLengthMs(oldestStartMs: Int64, nowMs: Int64) -> Int64 {
        var elapsed = max(nowMs - oldestStartMs, 0)
        let full = elapsed / windowMs
        let minimum = Int64(samples - 1)
        if full < minimum { elapsed += (minimum - full) * windowMs }
        return max(elapsed, 1)
    }

    /// How long the client must stay quiet for the rate to fall back to `bound` (Kafka's
    /// `ClientQuotaManager.throttleTime`), capped at the whole window; 0 when within bound.
    func throttleMs(bound: Double, nowMs: Int64) -> Int64 {
        let rate = rate(nowMs: nowMs)
        guard rate > bound else { return 0 }
        let cap = Int64(samples) * windowMs
        guard bound > 0 else { return cap }
        let window = Double(windowLengthMs(nowMs: nowMs))
        return min(Int64(((rate - bound) / bound * window).rounded(.up)), cap)
    }
}
