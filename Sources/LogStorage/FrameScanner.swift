/// Walks the frames of a segment file in order, reading large chunks, for recovery,
/// index rebuilds, producer-state replay and timestamp searches.
final class FrameScanner {
    enum Step {
        /// A complete frame: its header, where it starts, whether its CRC matched (if checked).
        case frame(FrameHeader, position: Int64, checksumOK: Bool)
        /// Bytes that do not form a frame (torn or corrupt) start at `position`.
        case invalid(position: Int64, reason: String)
        case end
    }

    private let fd: Int32
    private let path: String
    private let end: Int64
    private(set) var position: Int64
    private var buffer: UnsafeMutableRawBufferPointer
    private var bufferStart: Int64 = 0
    private var bufferCount = 0

    init(fd: Int32, path: String, from position: Int64, end: Int64, chunkSize: Int = 1 << 20) {
        self.fd = fd
        self.path = path
        self.position = position
        self.end = end
        self.buffer = .allocate(byteCount: chunkSize, alignment: 16)
    }

    deinit { buffer.deallocate() }

    /// The next frame; with `verify`, its CRC is computed (the whole frame is read).
    func next(verify: Bool) throws(StorageError) -> Step {
        if position >= end { return .end }
        guard end - position >= Int64(FrameHeader.size) else {
            return .invalid(position: position, reason: "\(end - position) bytes at the end, shorter than a frame header")
        }
        try ensure(FrameHeader.size)
        let offset = Int(position - bufferStart)
        guard let header = FrameHeader.parse(UnsafeRawBufferPointer(buffer), at: offset) else {
            return .invalid(position: position, reason: "no valid frame header")
        }
        let frameSize = header.frameSize
        guard position + Int64(frameSize) <= end else {
            return .invalid(position: position, reason: "frame of \(frameSize) bytes runs past the end (\(end - position) left)")
        }
        var checksumOK = true
        if verify {
            try ensure(frameSize)
            checksumOK = FrameHeader.checksumMatches(
                UnsafeRawBufferPointer(buffer), at: Int(position - bufferStart), header: header)
        }
        let start = position
        position += Int64(frameSize)
        return .frame(header, position: start, checksumOK: checksumOK)
    }

    /// Makes `count` bytes from `position` available in the buffer.
    private func ensure(_ count: Int) throws(StorageError) {
        if position >= bufferStart, position + Int64(count) <= bufferStart + Int64(bufferCount) { return }
        if count > buffer.count {
            buffer.deallocate()
            buffer = .allocate(byteCount: count, alignment: 16)
        }
        let want = Int(min(Int64(buffer.count), end - position))
        bufferCount = try FileIO.read(fd, into: buffer.baseAddress!, count: want, at: position, path: path)
        bufferStart = position
        guard bufferCount >= count else {
            throw StorageError(.kafkaStorageError, "read \(path): file shorter than expected at \(position)")
        }
    }
}
