import NIOCore
import Testing

@testable import Broker

@Suite struct FrameBoundaryTrackerTests {
    @Test func followsFramesSplitAnywhere() {
        // Two frames: 3-byte body, then 1-byte body.
        let stream: [UInt8] = [0, 0, 0, 3, 9, 9, 9, 0, 0, 0, 1, 7]
        var expectations: [Bool] = []
        var tracker = FrameBoundaryTracker()
        for byte in stream {
            tracker.consume(ByteBuffer(bytes: [byte]))
            expectations.append(tracker.isInsideFrame)
        }
        #expect(expectations == [true, true, true, true, true, true, false, true, true, true, true, false])
        var whole = FrameBoundaryTracker()
        whole.consume(ByteBuffer(bytes: stream))
        #expect(!whole.isInsideFrame)
        whole.consume(ByteBuffer(bytes: [0, 0]))
        #expect(whole.isInsideFrame)
    }

    @Test func anEmptyFrameEndsAtItsSize() {
        var tracker = FrameBoundaryTracker()
        tracker.consume(ByteBuffer(bytes: [0, 0, 0, 0]))
        #expect(!tracker.isInsideFrame)
    }
}
