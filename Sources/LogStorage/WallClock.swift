#if canImport(Glibc)
import Glibc
#endif

enum WallClock {
    /// Milliseconds since the epoch (segment creation times; Kafka's timestamps are wall time).
    static func nowMs() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}
