import CCRC32C
import NIOCore

/// CRC-32C (Castagnoli), the checksum of record batch v2.
///
/// Hardware-accelerated (SSE4.2, three interleaved streams) where the CPU allows,
/// slicing-by-8 otherwise. Works on the bytes in place: nothing is copied.
public enum CRC32C {
    /// The CRC-32C of `bytes`, continuing from `crc` (the result for the bytes
    /// before; 0 to start).
    @inlinable
    public static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress else { return crc }
        return bulwark_crc32c(crc, base.assumingMemoryBound(to: UInt8.self), bytes.count)
    }

    /// The CRC-32C of the readable bytes of `buffer`.
    @inlinable
    public static func checksum(_ buffer: ByteBuffer, continuing crc: UInt32 = 0) -> UInt32 {
        buffer.withUnsafeReadableBytes { checksum($0, continuing: crc) }
    }

    /// The CRC-32C of `length` bytes of `buffer` starting at absolute `index`, or
    /// `nil` if that range is not readable.
    @inlinable
    public static func checksum(_ buffer: ByteBuffer, at index: Int, length: Int) -> UInt32? {
        guard index >= buffer.readerIndex, length >= 0, length <= buffer.writerIndex - index else { return nil }
        return buffer.withUnsafeReadableBytes { bytes in
            checksum(UnsafeRawBufferPointer(rebasing: bytes[(index - buffer.readerIndex)...].prefix(length)))
        }
    }

    /// The CRC-32C of a byte sequence (convenience for tests and small inputs).
    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        let array = Array(bytes)
        return array.withUnsafeBytes { checksum($0) }
    }

    /// Whether `checksum` uses hardware CRC instructions on this machine.
    public static var isHardwareAccelerated: Bool {
        bulwark_crc32c_hardware_available() != 0
    }

    /// The portable table-driven implementation, whatever the CPU (tests compare).
    package static func portableChecksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress else { return crc }
        return bulwark_crc32c_portable(crc, base.assumingMemoryBound(to: UInt8.self), bytes.count)
    }
}
