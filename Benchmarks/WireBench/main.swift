import Foundation
import KafkaWire
import NIOCore

// wire-bench: the codec's speed targets (issue: foundation). Run in release:
//   swift run -c release wire-bench
// Each figure is the median of 7 rounds of at least 0.5 s each.

func measure(_ name: String, bytesPerOp: Int, target: Double, _ op: () throws -> Void) rethrows {
    var rates: [Double] = []
    for _ in 0..<7 {
        var ops = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed: UInt64 = 0
        repeat {
            for _ in 0..<16 { try op() }
            ops += 16
            elapsed = DispatchTime.now().uptimeNanoseconds - start
        } while elapsed < 500_000_000
        rates.append(Double(ops * bytesPerOp) / (Double(elapsed) / 1e9) / 1e9)
    }
    rates.sort()
    let verdict = rates[3] >= target ? "meets" : "MISSES"
    print(String(format: "| %@ | %.2f GB/s | %.2f–%.2f | ≥ %.0f GB/s | %@ |", name, rates[3], rates[0], rates[6], target, verdict))
}

/// 1 KiB records of varied text, so nothing is a repeat of one payload.
func makeRecords(count: Int, size: Int) -> [ByteBuffer] {
    let words = ["tenant", "order", "amount", "region", "eu-west", "payment", "audit", "ledger", "2026", "ok"]
    var state: UInt64 = 42
    return (0..<count).map { _ in
        var s = ""
        while s.utf8.count < size {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            s += words[Int(state >> 60) % words.count] + " "
        }
        return ByteBuffer(string: String(s.utf8.prefix(size))!)
    }
}

print("| benchmark | median | min–max | target | |")
print("|---|---|---|---|---|")

// 1. Decode + validate a 1 MiB produce request of 1 KiB records.
var builder = RecordBatchBuilder(compression: .none)
for (i, value) in makeRecords(count: 1000, size: 1024).enumerated() {
    builder.append(timestamp: 1_700_000_000_000 + Int64(i), key: ByteBuffer(string: "k\(i)"), value: value)
}
let batch = try builder.build()
let produce = ProduceRequest(acks: -1, timeoutMs: 30000, topicData: [
    .init(name: "bench", partitionData: [.init(index: 0, records: batch)]),
])
var framed = ByteBuffer()
try produce.encodeRequestFrame(version: 9, correlationId: 1, clientId: "bench", into: &framed)
let frameBytes = framed.readableBytes
let frame = try KafkaFrame.next(from: &framed, maxFrameSize: 8 << 20)!
var validator = RecordBatchValidator()
validator.maxBatchBytes = 2 << 20
try measure("decode + validate 1 MiB Produce v9 (1 KiB records)", bytesPerOp: frameBytes, target: 2) {
    let request = try KafkaRequestFrame(frame: frame)
    let body = try request.decode(as: ProduceRequest.self)
    for topic in body.topicData {
        for partition in topic.partitionData {
            _ = try validator.validate(partition.records!)
        }
    }
}

// 2. CRC-32C over 16 KiB buffers.
let block = [UInt8]((0..<16384).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
var sink: UInt32 = 0
block.withUnsafeBytes { raw in
    measure("CRC-32C, 16 KiB buffers", bytesPerOp: raw.count, target: 8) {
        sink &+= CRC32C.checksum(raw)
    }
}

// 3. Encode a 1 MiB Fetch response (v12, one partition of 1 MiB of batches).
var big = RecordBatchBuilder(compression: .none)
for (i, value) in makeRecords(count: 1020, size: 1024).enumerated() {
    big.append(timestamp: 1_700_000_000_000 + Int64(i), key: nil, value: value)
}
let records = try big.build()
let fetch = FetchResponse(responses: [
    .init(topic: "bench", partitions: [.init(partitionIndex: 0, highWatermark: 1020, records: records)]),
])
var out = ByteBuffer()
out.reserveCapacity(2 << 20)
try fetch.encodeResponseFrame(version: 12, correlationId: 1, into: &out)
let responseBytes = out.readableBytes
try measure("encode 1 MiB Fetch v12 response", bytesPerOp: responseBytes, target: 4) {
    out.clear()
    try fetch.encodeResponseFrame(version: 12, correlationId: 1, into: &out)
}
print("(frame sizes: produce \(frameBytes) B, fetch \(responseBytes) B; crc sink \(sink % 2))")
