import NIOCore
import Testing

@testable import KafkaWire

@Suite struct CRC32CTests {
    @Test func knownVectors() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        // RFC 3720 (iSCSI) appendix B.4.
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).reversed().map { UInt8($0) }) == 0x113F_DB5C)
    }

    @Test func portableMatchesKnownVector() {
        let bytes = Array("123456789".utf8)
        let crc = bytes.withUnsafeBytes { CRC32C.portableChecksum($0) }
        #expect(crc == 0xE306_9283)
    }

    @Test func continuingEqualsWhole() {
        var rng = SplitMix64(seed: 7)
        let data = rng.bytes(5000)
        let whole = CRC32C.checksum(data)
        for cut in [0, 1, 7, 8, 777, 4096, 4999, 5000] {
            let first = CRC32C.checksum(data[..<cut])
            let both = data[cut...].withUnsafeBytes { CRC32C.checksum($0, continuing: first) }
            #expect(both == whole, "cut at \(cut)")
        }
    }

    @Test func hardwareMatchesPortable() {
        var rng = SplitMix64(seed: 42)
        let data = rng.bytes(20_100)
        data.withUnsafeBytes { all in
            // Every small length, then random lengths and alignments up to 20000.
            var cases = (0..<300).map { (offset: Int($0 % 16), length: Int($0)) }
            for _ in 0..<700 {
                cases.append((Int(rng.next() % 64), Int(rng.next() % 20_001)))
            }
            cases.append((0, 20_000))
            for (offset, length) in cases {
                let slice = UnsafeRawBufferPointer(rebasing: all[offset..<(offset + length)])
                let seed = UInt32(truncatingIfNeeded: length &* 2_654_435_761)
                #expect(
                    CRC32C.checksum(slice, continuing: seed) == CRC32C.portableChecksum(slice, continuing: seed),
                    "offset \(offset) length \(length)")
            }
        }
    }

    @Test func byteBufferOverloads() {
        var rng = SplitMix64(seed: 3)
        let data = rng.bytes(1000)
        var buffer = ByteBuffer(bytes: [9, 9, 9] + data)
        buffer.moveReaderIndex(forwardBy: 3)
        #expect(CRC32C.checksum(buffer) == CRC32C.checksum(data))
        #expect(CRC32C.checksum(buffer, at: buffer.readerIndex + 10, length: 500) == CRC32C.checksum(data[10..<510]))
        #expect(CRC32C.checksum(buffer, at: buffer.readerIndex + 10, length: 5000) == nil)
        #expect(CRC32C.checksum(buffer, at: 0, length: 1) == nil)  // before the reader index
    }

    @Test func hardwarePathIsUsedOnX86() {
        #if arch(x86_64)
        #expect(CRC32C.isHardwareAccelerated)
        #endif
    }
}

/// A small deterministic generator, so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) }
    }
}
