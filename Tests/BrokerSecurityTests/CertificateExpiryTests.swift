import MetricsTestKit
import Testing
@testable import BrokerSecurity

@Suite struct CertificateExpiryTests {
    @Test func gaugeHoldsSecondsLeftPerListener() throws {
        let metrics = TestMetrics()
        let external = CertificateExpiry(listener: "EXTERNAL", factory: metrics)
        let internalListener = CertificateExpiry(listener: "INTERNAL", factory: metrics)
        let now: Int64 = 1_800_000_000
        let far = external.record(notValidAfter: now + 90 * 86_400, now: now)
        #expect(far == .init(secondsLeft: 90 * 86_400))
        #expect(far.warn == false)
        let near = internalListener.record(notValidAfter: now + 29 * 86_400 + 5, now: now)
        #expect(near.warn)
        #expect(near.daysLeft == 29)
        #expect(try metrics.expectGauge(CertificateExpiry.metricLabel, [("listener", "EXTERNAL")]).lastValue == Double(90 * 86_400))
        #expect(try metrics.expectGauge(CertificateExpiry.metricLabel, [("listener", "INTERNAL")]).lastValue == Double(29 * 86_400 + 5))
        // A later check (after a reload) replaces the value; an expired certificate goes negative.
        external.record(notValidAfter: now - 60, now: now)
        #expect(try metrics.expectGauge(CertificateExpiry.metricLabel, [("listener", "EXTERNAL")]).lastValue == -60)
    }

    @Test func warningStartsBelowThirtyDays() {
        #expect(CertificateExpiry.Status(secondsLeft: 30 * 86_400).warn == false)
        #expect(CertificateExpiry.Status(secondsLeft: 30 * 86_400 - 1).warn)
    }
}
