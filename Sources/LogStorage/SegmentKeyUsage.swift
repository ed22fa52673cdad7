#if canImport(Glibc)
import Glibc
#endif

/// Which keys a segment file's frames are sealed with, read from the clear headers
/// and envelope key ids only (no key needed), for `bulwark keys status`.
public enum SegmentKeyUsage {
    /// Frames per DEK id in the segment at `path`; plain frames count under nil.
    /// Stops at the first bytes that are not a frame (a torn tail).
    public static func frames(inSegment path: String) throws(StorageError) -> [UInt32?: Int] {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .io("open", path: path, errno: errno) }
        defer { Glibc.close(fd) }
        let size = try FileIO.size(fd, path: path)
        var usage: [UInt32?: Int] = [:]
        var position: Int64 = 0
        var header = [UInt8](repeating: 0, count: FrameHeader.size + 4)
        // Each step advances by a whole frame (≥ 48 bytes), so this ends within size/48 steps.
        while position + Int64(FrameHeader.size) <= size {
            let got = try header.withMutableBytes { (raw) throws(StorageError) -> Int in
                try FileIO.read(fd, into: raw.baseAddress!, count: raw.count, at: position, path: path)
            }
            guard got >= FrameHeader.size, let frame = header.withUnsafeBytes({ FrameHeader.parse($0, at: 0) }) else { break }
            if frame.format == FrameHeader.Format.sealed.rawValue, got == header.count {
                let id = header.withUnsafeBytes { UInt32(bigEndian: $0.loadUnaligned(fromByteOffset: FrameHeader.size, as: UInt32.self)) }
                usage[id, default: 0] += 1
            } else {
                usage[nil, default: 0] += 1
            }
            position += Int64(frame.frameSize)
        }
        return usage
    }
}
