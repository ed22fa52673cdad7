import EnvelopeCrypto

/// Encryption at rest for the log store: the keyring, and whether new batches are sealed.
///
/// With `sealNewBatches` off but a keyring present, sealed segments written earlier
/// stay readable (encryption turned off) ; with no keyring at all a sealed frame is a
/// read error naming the missing key provider.
public struct LogEncryption: Sendable {
    public let keyring: Keyring
    public let sealNewBatches: Bool
    /// A DEK is retired after this many batches (and at every segment roll and restart).
    public let maxBatchesPerKey: UInt64

    public init(keyring: Keyring, sealNewBatches: Bool = true, maxBatchesPerKey: UInt64 = 1 << 20) {
        self.keyring = keyring
        self.sealNewBatches = sealNewBatches
        self.maxBatchesPerKey = maxBatchesPerKey
    }

    /// The KEK scope of a topic (a tenant's scope once tenancy lands).
    static func scope(of topic: String) -> KeyScope { .topic(topic) }
}

/// One partition's view of `LogEncryption`: its scope and the fixed part of the
/// associated data of its frames.
struct PartitionCrypto: Sendable {
    let encryption: LogEncryption
    let scope: KeyScope
    /// "bulwark.frame.v1" ‖ topic length u16 ‖ topic ‖ partition i32.
    private let prefix: [UInt8]

    /// Bytes of associated data after the prefix: segment base i64 ‖ header bytes 8..<48.
    static let variableSize = 8 + FrameHeader.size - 8

    init(encryption: LogEncryption, topicPartition: TopicPartition) {
        self.encryption = encryption
        self.scope = LogEncryption.scope(of: topicPartition.topic)
        var prefix = Array("bulwark.frame.v1".utf8)
        let topic = Array(topicPartition.topic.utf8)
        prefix += withUnsafeBytes(of: UInt16(truncatingIfNeeded: topic.count).bigEndian, Array.init)
        prefix += topic
        prefix += withUnsafeBytes(of: topicPartition.partition.bigEndian, Array.init)
        self.prefix = prefix
    }

    /// Calls `body` with the associated data of a frame: the partition, the segment it
    /// lies in and every header field but the length and CRC (the CRC covers the
    /// ciphertext, so it cannot be inside it). A batch moved to another offset,
    /// partition, topic or segment, or a header edited, no longer authenticates.
    func withAssociatedData<R>(segmentBase: Int64, header: FrameHeader, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        withUnsafeTemporaryAllocation(byteCount: prefix.count + Self.variableSize, alignment: 8) { raw in
            prefix.withUnsafeBytes { raw.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            raw.storeBytes(of: segmentBase.bigEndian, toByteOffset: prefix.count, as: Int64.self)
            withUnsafeTemporaryAllocation(byteCount: FrameHeader.size, alignment: 8) { headerRaw in
                header.encode(into: headerRaw)
                (raw.baseAddress! + prefix.count + 8).copyMemory(from: headerRaw.baseAddress! + 8, byteCount: FrameHeader.size - 8)
            }
            return body(UnsafeRawBufferPointer(raw))
        }
    }

    /// The DEK a sealed body names, as a storage error the fetch answers with when it
    /// cannot be had (shredded scope, unknown id, wrapped key that does not open).
    func dataKey(for envelope: UnsafeRawBufferPointer, topicPartition: TopicPartition) throws(StorageError) -> DataKey {
        guard let id = Envelope.keyId(envelope) else {
            throw StorageError(.kafkaStorageError, "\(topicPartition): sealed batch too short for its envelope")
        }
        do {
            return try encryption.keyring.dataKey(for: scope, id: id)
        } catch where error.code == .shredded {
            // CORRUPT_MESSAGE, not KAFKA_STORAGE_ERROR: librdkafka, kafka-python and the Java
            // client retry 56 silently forever, while 2 reaches the application as an error
            // for that partition and offset, which is what a shredded topic must look like.
            throw StorageError(.corruptMessage, "\(topicPartition): \(error.message)")
        } catch {
            throw StorageError(.kafkaStorageError, "\(topicPartition): cannot open sealed batch: \(error.message)")
        }
    }
}
