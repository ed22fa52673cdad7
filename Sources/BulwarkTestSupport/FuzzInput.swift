import Foundation
import KafkaWire
import NIOCore

/// One fuzz seed: bytes and what they are meant to be read as.
public struct FuzzInput: Sendable {
    public enum Target: Sendable {
        /// A size-prefixed request frame, read as a broker reads a socket.
        case requestFrame
        /// A bare message body of one API, version and direction.
        case body(KafkaApiKey, version: Int16, request: Bool)
        /// A `records` field: concatenated record batches.
        case recordBatches
    }

    public var target: Target
    public var bytes: [UInt8]

    public init(target: Target, bytes: [UInt8]) {
        self.target = target
        self.bytes = bytes
    }
}

/// Seeds for the fuzzer: every implemented message at every version, plus frames
/// captured from real clients.
public enum FuzzCorpus {
    /// Default-valued requests and responses of every implemented API and version.
    public static func generated() -> [FuzzInput] {
        var inputs: [FuzzInput] = []
        for key in KafkaApiKey.implemented {
            guard let versions = key.codecVersions else { continue }
            for version in versions {
                for (type, request) in [(key.requestType, true), (key.responseType, false)] {
                    guard let type else { continue }
                    var buffer = ByteBuffer()
                    guard (try? type.init().encode(into: &buffer, version: version)) != nil else { continue }
                    inputs.append(FuzzInput(target: .body(key, version: version, request: request),
                                            bytes: Array(buffer.readableBytesView)))
                }
            }
        }
        return inputs
    }

    /// Record batches of every codec, with keys, nulls and headers.
    public static func recordBatches() -> [FuzzInput] {
        CompressionCodec.allCases.compactMap { codec in
            var builder = RecordBatchBuilder(compression: codec)
            for i in 0..<5 {
                builder.append(
                    timestamp: 1_700_000_000_000 + Int64(i),
                    key: i == 2 ? nil : ByteBuffer(string: "key-\(i)"),
                    value: i == 3 ? nil : ByteBuffer(string: String(repeating: "value \(i) ", count: 8)),
                    headers: [RecordHeader(key: "h\(i)", value: i == 1 ? nil : ByteBuffer(string: "v"))]
                )
            }
            guard let batch = try? builder.build() else { return nil }
            return FuzzInput(target: .recordBatches, bytes: Array(batch.readableBytesView))
        }
    }

    /// Frames captured by scripts/capture-fixtures.sh (each file is a frame without its
    /// size prefix), as size-prefixed request frames.
    public static func capturedFrames(in directory: URL) -> [FuzzInput] {
        guard let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else { return [] }
        var inputs: [FuzzInput] = []
        for case let url as URL in walker where url.pathExtension == "bin" {
            guard let data = try? Data(contentsOf: url) else { continue }
            var bytes: [UInt8] = []
            withUnsafeBytes(of: UInt32(data.count).bigEndian) { bytes.append(contentsOf: $0) }
            bytes.append(contentsOf: data)
            inputs.append(FuzzInput(target: .requestFrame, bytes: bytes))
        }
        return inputs.sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) }
    }
}
