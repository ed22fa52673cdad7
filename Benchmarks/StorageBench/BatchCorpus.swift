import KafkaWire
import NIOCore

/// Sixteen distinct ~1 MiB batches of 1,000 records of 1 KiB, drawn from 1,024
/// distinct text-like records, built and validated once so that the timed loop
/// measures the store and not the producer.
struct BatchCorpus: Sendable {
    static let recordsPerBatch = 1000
    static let recordBytes = 1024
    let batches: [(ByteBuffer, ValidatedRecords)]

    init() {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        let words = ["order", "id", "customer", "amount", "EUR", "status", "shipped", "pending", "warehouse", "sku", "region", "note"]
        let records: [ByteBuffer] = (0..<1024).map { i in
            var text = "{\"seq\":\(i)"
            while text.utf8.count < Self.recordBytes - 40 {
                text += ",\"\(words[Int(next() % 12)])\":\"\(words[Int(next() % 12)])-\(next() % 100_000)\""
            }
            text += "}"
            return ByteBuffer(string: String(text.prefix(Self.recordBytes)).padding(Self.recordBytes))
        }
        let validator = RecordBatchValidator()
        batches = (0..<16).map { b in
            var builder = RecordBatchBuilder()
            for r in 0..<Self.recordsPerBatch {
                builder.append(timestamp: 1_700_000_000_000 + Int64(r), key: nil, value: records[(b * 61 + r) % records.count])
            }
            let bytes = try! builder.build()
            return (bytes, try! validator.validate(bytes))
        }
    }

    var batchBytes: Int { batches[0].0.readableBytes }

    func batch(_ i: Int) -> (ByteBuffer, ValidatedRecords) { batches[i % batches.count] }
}

extension String {
    func padding(_ length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }
}
