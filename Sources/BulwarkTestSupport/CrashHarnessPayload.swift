/// The record values the crash harness writes (log-writer) and later expects to read back
/// (CrashHarnessTests): one deterministic function, so both sides agree by construction.
public enum CrashHarnessPayload {
    /// The value of record `index` of batch `sequence` from `appender`.
    public static func recordValue(seed: UInt64, appender: Int, sequence: Int, index: Int, bytes: Int) -> [UInt8] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(appender) &* 0xBF58_476D_1CE4_E5B9
            &+ UInt64(sequence) &* 0x94D0_49BB_1331_11EB &+ UInt64(index)
        var out = [UInt8]()
        out.reserveCapacity(bytes)
        while out.count < bytes {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            out.append(UInt8(truncatingIfNeeded: state >> 33))
        }
        return out
    }
}
