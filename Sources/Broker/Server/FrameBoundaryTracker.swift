import NIOCore

/// Follows Kafka frame boundaries in a byte stream without buffering it, so the
/// connection knows whether a request is partly received. Pure: fed bytes, it answers.
struct FrameBoundaryTracker {
    private var sizeBytes: UInt32 = 0
    private var sizeBytesSeen = 0
    private var bodyRemaining = 0

    /// True between the first byte of a frame and its last.
    var isInsideFrame: Bool { sizeBytesSeen > 0 || bodyRemaining > 0 }

    mutating func consume(_ buffer: ByteBuffer) {
        var view = buffer.readableBytesView[...]
        while !view.isEmpty {
            if bodyRemaining > 0 {
                let n = min(bodyRemaining, view.count)
                bodyRemaining -= n
                view = view.dropFirst(n)
                continue
            }
            sizeBytes = sizeBytes << 8 | UInt32(view.first!)
            sizeBytesSeen += 1
            view = view.dropFirst()
            if sizeBytesSeen == 4 {
                // A negative size is the decoder's to reject; treat it as an empty body here.
                bodyRemaining = Int(Int32(bitPattern: sizeBytes).clamped(to: 0...Int32.max))
                sizeBytes = 0
                sizeBytesSeen = 0
            }
        }
    }
}

extension Comparable {
    fileprivate func clamped(to range: ClosedRange<Self>) -> Self { min(max(self, range.lowerBound), range.upperBound) }
}
