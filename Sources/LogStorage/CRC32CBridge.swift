import KafkaWire

/// The one place this target calls KafkaWire's CRC-32C, so frame code stays terse.
enum CRC32CBridge {
    @inline(__always)
    static func checksum(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        CRC32C.checksum(bytes, continuing: crc)
    }
}
