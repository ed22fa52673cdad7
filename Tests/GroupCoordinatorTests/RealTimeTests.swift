import Foundation
@testable import GroupCoordinator
import KafkaWire
import Logging
import Testing

/// The production setup: wall clock and the coordinator's own timer, no `tick()` calls.
@Suite struct RealTimeTests {
    @Test func backgroundTimerCompletesTheInitialDelay() async throws {
        let directory = try TemporaryDirectory()
        var config = GroupConfig()
        config.initialRebalanceDelayMs = 150
        let coordinator = try GroupCoordinator(
            directory: directory.path, config: config, logger: Logger(label: "test"),
            now: { Int64(Date().timeIntervalSince1970 * 1000) }, timerInterval: .milliseconds(20))
        let started = Date()
        let join = await coordinator.joinGroup(joinRequest(), version: 3, clientId: "c", clientHost: "h")
        let elapsed = Date().timeIntervalSince(started)
        #expect(join.errorCode == 0 && join.generationId == 1)
        // The lower bound is the point (the delay is honoured); the upper one only guards against
        // a hang, so it is loose enough for a loaded machine.
        #expect(elapsed >= 0.14 && elapsed < 30)
        await coordinator.shutdown()
        directory.remove()
    }
}
