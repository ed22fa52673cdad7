import Testing
@testable import BrokerSecurity

@Suite struct RateLimitTests {
    @Test func limitsAnAddressForAMinuteAfterItsFailures() {
        var limit = RateLimit(perMinute: 3)
        do { let limited = limit.isLimited("10.0.0.1", nowMs: 0); #expect(limited == false) }
        limit.recordFailure("10.0.0.1", nowMs: 0)
        limit.recordFailure("10.0.0.1", nowMs: 1_000)
        do { let limited = limit.isLimited("10.0.0.1", nowMs: 1_500); #expect(limited == false) }
        limit.recordFailure("10.0.0.1", nowMs: 2_000)
        do { let limited = limit.isLimited("10.0.0.1", nowMs: 2_001); #expect(limited) }
        do { let limited = limit.isLimited("10.0.0.2", nowMs: 2_001); #expect(limited == false) }  // per address
        do { let limited = limit.isLimited("10.0.0.1", nowMs: 59_999); #expect(limited) }
        // The first failure leaves the window at 60 s: one more attempt is allowed.
        do { let limited = limit.isLimited("10.0.0.1", nowMs: 60_000); #expect(limited == false) }
        limit.recordFailure("10.0.0.1", nowMs: 60_000)
        do { let limited = limit.isLimited("10.0.0.1", nowMs: 60_001); #expect(limited) }
        do { let limited = limit.isLimited("10.0.0.1", nowMs: 200_000); #expect(limited == false) }
        #expect(limit.trackedAddresses == 0)
    }

    @Test func zeroTurnsItOff() {
        var limit = RateLimit(perMinute: 0)
        for i in 0..<100 { limit.recordFailure("a", nowMs: Int64(i)) }
        do { let limited = limit.isLimited("a", nowMs: 100); #expect(limited == false) }
        #expect(limit.trackedAddresses == 0)
    }

    @Test func tableStaysBoundedWhenAddressesRotate() {
        var limit = RateLimit(perMinute: 2, maxAddresses: 100)
        for i in 0..<10_000 { limit.recordFailure("addr-\(i)", nowMs: Int64(i)) }
        #expect(limit.trackedAddresses <= 100)
        // The newest addresses are still counted.
        limit.recordFailure("addr-9999", nowMs: 10_000)
        do { let limited = limit.isLimited("addr-9999", nowMs: 10_001); #expect(limited) }
    }

    @Test func sharedPolicyCarriesTheDelay() {
        let shared = RateLimitedAuthentication(perMinute: 1, failureDelayMs: 100)
        #expect(shared.failureDelayMs == 100)
        shared.recordFailure("a", nowMs: 0)
        #expect(shared.isLimited("a", nowMs: 1))
        #expect(RateLimitedAuthentication(perMinute: 1, failureDelayMs: -5).failureDelayMs == 0)
    }
}
