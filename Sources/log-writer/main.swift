// log-writer: the process the crash harness kills.
//
// Appends batches to a topic in group-commit mode from several concurrent
// appenders and prints one line per batch on stdout only after waitUntilDurable
// returned for it:
//
//     ack <partition> <baseOffset> <lastOffset> <appender> <sequence>
//
// so that every line the harness has read is a promise the store must keep after
// SIGKILL. Record contents are a function of (appender, sequence, record index) and
// the seed, which lets the harness check the bytes. Runs until killed, or for
// --batches batches per appender.
//
// Usage: log-writer <data-dir> [--partitions N] [--appenders N] [--records N]
//                   [--record-bytes N] [--segment-bytes N] [--epoch N] [--batches N] [--seed N]
//                   [--large-records N]
//
// --large-records gives appender 0 batches of N records: big vectored writes that a
// SIGKILL can interrupt part-way (the kernel stops copying at a fatal signal), so
// the harness also meets torn tails.

#if canImport(Glibc)
import BulwarkTestSupport
import Glibc
#endif
import KafkaWire
import LogStorage
import Logging
import NIOCore

struct Options {
    var directory = ""
    var partitions: Int32 = 2
    var appenders = 4
    var records = 4
    var recordBytes = 100
    var segmentBytes = 64 << 10
    var epoch: Int16 = 0
    var batches = Int.max
    var seed: UInt64 = 1
    var largeRecords = 0

    init(_ arguments: [String]) {
        var rest = arguments.dropFirst()
        guard let directory = rest.popFirst() else { Self.usage() }
        self.directory = directory
        while let flag = rest.popFirst() {
            guard let text = rest.popFirst(), let value = Int(text) else { Self.usage() }
            switch flag {
            case "--partitions": partitions = Int32(value)
            case "--appenders": appenders = value
            case "--records": records = value
            case "--record-bytes": recordBytes = value
            case "--segment-bytes": segmentBytes = value
            case "--epoch": epoch = Int16(value)
            case "--batches": batches = value
            case "--seed": seed = UInt64(value)
            case "--large-records": largeRecords = value
            default: Self.usage()
            }
        }
    }

    static func usage() -> Never {
        emit("usage: log-writer <data-dir> [--partitions N] [--appenders N] [--records N] [--record-bytes N] [--segment-bytes N] [--epoch N] [--batches N] [--seed N] [--large-records N]", to: STDERR_FILENO)
        exit(2)
    }
}

/// One write(2) per line: atomic on a pipe, and nothing sits in a buffer when the kill comes.
func emit(_ line: String, to fd: Int32 = STDOUT_FILENO) {
    var bytes = Array((line + "\n").utf8)
    bytes.withUnsafeMutableBytes { raw in
        var done = 0
        while done < raw.count {
            let n = write(fd, raw.baseAddress! + done, raw.count - done)
            if n <= 0 { exit(3) }
            done += n
        }
    }
}

let options = Options(CommandLine.arguments)
var logger = Logger(label: "log-writer")
logger.logLevel = .warning
var defaults = LogConfig()
defaults.segmentBytes = options.segmentBytes
defaults.indexIntervalBytes = 1024
defaults.retentionMs = -1

do {
    let manager = try LogManager(directory: options.directory, defaults: defaults, durability: .groupCommit, logger: logger)
    try manager.open()
    if manager.topics()["crash"] == nil {
        try manager.createTopic("crash", partitions: options.partitions, overrides: [:])
    }
    emit("ready")
    try await withThrowingTaskGroup(of: Void.self) { group in
        for appender in 0..<options.appenders {
            group.addTask {
                let partition = Int32(appender) % options.partitions
                let log = manager.partition(TopicPartition(topic: "crash", partition: partition))!
                let validator = RecordBatchValidator()
                let perBatch = appender == 0 && options.largeRecords > 0 ? options.largeRecords : options.records
                for sequence in 0..<options.batches {
                    var builder = RecordBatchBuilder()
                    builder.producerId = Int64(appender) + 1
                    builder.producerEpoch = options.epoch
                    builder.baseSequence = Int32(sequence * perBatch)
                    for index in 0..<perBatch {
                        let value = CrashHarnessPayload.recordValue(seed: options.seed, appender: appender, sequence: sequence, index: index, bytes: options.recordBytes)
                        builder.append(timestamp: 1_000_000 + Int64(sequence), key: nil, value: ByteBuffer(bytes: value))
                    }
                    let records = try builder.build()
                    let result = try log.append(records, validated: try validator.validate(records), now: 1_000_000 + Int64(sequence))
                    try await log.waitUntilDurable(result.lastOffset)
                    emit("ack \(partition) \(result.baseOffset) \(result.lastOffset) \(appender) \(sequence)")
                }
            }
        }
        try await group.waitForAll()
    }
    manager.close()
} catch {
    emit("log-writer: \(error)", to: STDERR_FILENO)
    exit(1)
}
