import Foundation
import KafkaWire
import Logging
import NIOCore

@testable import LogStorage

/// A scratch data directory, deleted when the value is released.
final class TempDirectory: @unchecked Sendable {
    let path: String

    init(_ label: String = "storage") {
        let template = FileManager.default.temporaryDirectory.path + "/bulwark-\(label)-XXXXXX"
        var bytes = Array(template.utf8CString)
        path = bytes.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

enum Fixtures {
    static let logger: Logger = {
        var logger = Logger(label: "bulwark.storage.test")
        logger.logLevel = ProcessInfo.processInfo.environment["STORAGE_TEST_LOG"] != nil ? .debug : .critical
        return logger
    }()

    /// One batch of records `values` with timestamps `timestamps` (default 1000, 1001…).
    static func batch(
        _ values: [String], timestamps: [Int64]? = nil, producerId: Int64 = -1, epoch: Int16 = -1, sequence: Int32 = -1,
        compression: CompressionCodec = .none
    ) -> ByteBuffer {
        var builder = RecordBatchBuilder(compression: compression)
        builder.producerId = producerId
        builder.producerEpoch = epoch
        builder.baseSequence = sequence
        for (i, value) in values.enumerated() {
            builder.append(
                timestamp: timestamps?[i] ?? 1000 + Int64(i), key: ByteBuffer(string: "k\(i)"), value: ByteBuffer(string: value))
        }
        return try! builder.build()
    }

    static func validate(_ records: ByteBuffer) -> ValidatedRecords {
        try! RecordBatchValidator().validate(records)
    }

    @discardableResult
    static func append(_ log: PartitionLog, _ values: [String], timestamps: [Int64]? = nil, now: Int64 = 5000) throws(StorageError) -> AppendResult {
        let records = batch(values, timestamps: timestamps)
        return try log.append(records, validated: validate(records), now: now)
    }

    static func manager(_ dir: TempDirectory, _ configure: (inout LogConfig) -> Void = { _ in }, durability: Durability = .pageCache, maxOpenFiles: Int = 256) throws(StorageError) -> LogManager {
        var config = LogConfig()
        configure(&config)
        let manager = try LogManager(directory: dir.path, defaults: config, durability: durability, logger: logger, maxOpenFiles: maxOpenFiles)
        try manager.open()
        return manager
    }

    /// The records of a read, as (offset, value, timestamp), checking every batch's CRC.
    static func records(_ buffer: ByteBuffer) -> [(offset: Int64, value: String, timestamp: Int64)] {
        var out: [(Int64, String, Int64)] = []
        let (batches, incomplete) = try! RecordBatchIterator.split(buffer)
        precondition(incomplete == nil, "a read returned a partial batch")
        for batch in batches {
            precondition(batch.isChecksumValid, "a read returned a batch with a bad CRC")
            for record in try! batch.decodeRecords(maxUncompressedBytes: 1 << 26) {
                let timestamp = batch.header.timestampType == .logAppendTime ? batch.header.maxTimestamp : batch.header.timestamp(of: record)
                out.append((batch.header.offset(of: record), String(buffer: record.value!), timestamp))
            }
        }
        return out
    }

    static func values(_ buffer: ByteBuffer) -> [String] { records(buffer).map(\.value) }
    static func offsets(_ buffer: ByteBuffer) -> [Int64] { records(buffer).map(\.offset) }
    static func batchBases(_ buffer: ByteBuffer) -> [Int64] {
        try! RecordBatchIterator.split(buffer).batches.map(\.header.baseOffset)
    }
}

extension PartitionLog {
    /// Everything from the log start, read batch by batch.
    func readAll(maxBytes: Int = 1 << 20) throws(StorageError) -> [(offset: Int64, value: String, timestamp: Int64)] {
        var out: [(offset: Int64, value: String, timestamp: Int64)] = []
        var next = logStartOffset
        while next < logEndOffset {
            let result = try read(from: next, maxBytes: maxBytes)
            let records = Fixtures.records(result.records).filter { $0.offset >= next }
            guard let last = records.last else { break }
            out += records
            next = last.offset + 1
        }
        return out
    }
}
