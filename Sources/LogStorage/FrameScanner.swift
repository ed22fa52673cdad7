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

    /// Bytes read at once when frames are checked (whole frames are needed).
    private let chunkSize: Int
    /// Bytes read at once when only headers are needed: a cold start reads a
    /// header, not the megabyte after it.
    private static let headerWindow = 4096

    init(fd: Int32, path: String, from position: Int64, end: Int64, chunkSize: Int = 1 << 20) {
        self.fd = fd
        self.path = path
        self.position = position
        self.end = end
        self.chunkSize = chunkSize
        self.buffer = .allocate(byteCount: Self.headerWindow, alignment: 16)
    }

    deinit { buffer.deallocate() }

    /// The next frame; with `verify`, its CRC is computed (the whole frame is read).
    func next(verify: Bool) throws(StorageError) -> Step {
        if position >= end { return .end }
        guard end - position >= Int64(FrameHeader.size) else {
            return .invalid(position: position, reason: "\(end - position) bytes at the end, shorter than a frame header")
        }
        try ensure(FrameHeader.size, readAhead: verify ? chunkSize : Self.headerWindow)
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
            try ensure(frameSize, readAhead: chunkSize)
            checksumOK = FrameHeader.checksumMatches(
                UnsafeRawBufferPointer(buffer), at: Int(position - bufferStart), header: header)
        }
        let start = position
        position += Int64(frameSize)
        return .frame(header, position: start, checksumOK: checksumOK)
    }

    /// Makes `count` bytes from `position` available in the buffer, reading
    /// `readAhead` bytes (or what is left of the file) if it must read.
    private func ensure(_ count: Int, readAhead: Int) throws(StorageError) {
        if position >= bufferStart, position + Int64(count) <= bufferStart + Int64(bufferCount) { return }
        let want = Int(min(Int64(max(count, readAhead)), end - position))
        if want > buffer.count {
            buffer.deallocate()
            buffer = .allocate(byteCount: want, alignment: 16)
        }
        bufferCount = try FileIO.read(fd, into: buffer.baseAddress!, count: want, at: position, path: path)
        bufferStart = position
        guard bufferCount >= count else {
            throw StorageError(.kafkaStorageError, "read \(path): file shorter than expected at \(position)")
        }
    }
}
