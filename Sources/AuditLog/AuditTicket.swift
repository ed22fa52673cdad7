/// A receipt for `AuditLogWriter.record(_:)`: what `waitDurable(_:)` waits for.
public struct AuditTicket: Sendable, Hashable {
    /// Position in the writer's queue; 0 when there is nothing to wait for (the event was
    /// merged into a summary, the log is disabled, or the event was refused).
    let number: UInt64
    /// Whether a failure to persist this event must fail its request.
    public let failClosed: Bool
    /// The event was refused at `record` (queue full, writer closed or failed to open).
    let refused: Bool

    static func none(failClosed: Bool = false) -> AuditTicket { AuditTicket(number: 0, failClosed: failClosed, refused: false) }
}

/// Counters of a writer, for metrics and the benchmark.
public struct AuditWriterStatistics: Sendable, Hashable {
    /// Records written (events, summaries, the log's own events; not checkpoints).
    public var eventsWritten: UInt64 = 0
    /// Events merged into a summary instead of being written on their own.
    public var eventsSummarised: UInt64 = 0
    /// Group commits: one write and one fsync each.
    public var commits: UInt64 = 0
    public var checkpoints: UInt64 = 0
    /// Events that could not be persisted (I/O failure, queue full, closed).
    public var eventsLost: UInt64 = 0
}
