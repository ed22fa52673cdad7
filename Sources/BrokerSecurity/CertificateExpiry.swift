import CoreMetrics

/// How long a listener's certificate has left: recorded as the gauge
/// `bulwark_tls_certificate_expiry_seconds{listener=…}` (negative once expired), and a
/// warning when under `warnBelowSeconds` (30 days, as operators renew monthly).
public struct CertificateExpiry: Sendable {
    public static let metricLabel = "bulwark_tls_certificate_expiry_seconds"
    public static let warnBelowSeconds: Int64 = 30 * 86_400

    public let listener: String
    private let gauge: Gauge

    public init(listener: String, factory: any MetricsFactory = MetricsSystem.factory) {
        self.listener = listener
        gauge = Gauge(label: Self.metricLabel, dimensions: [("listener", listener)], factory: factory)
    }

    /// What a check found: seconds left, and whether an operator should be told.
    public struct Status: Sendable, Equatable {
        public var secondsLeft: Int64
        public var warn: Bool { secondsLeft < CertificateExpiry.warnBelowSeconds }
        public var daysLeft: Int64 { secondsLeft / 86_400 }
    }

    /// Records the gauge for a certificate valid until `notValidAfter` (epoch seconds).
    @discardableResult
    public func record(notValidAfter: Int64, now: Int64) -> Status {
        let status = Status(secondsLeft: notValidAfter - now)
        gauge.record(status.secondsLeft)
        return status
    }
}
