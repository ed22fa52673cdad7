// storage-bench: the storage engine's throughput and start-up time, one figure per
// invocation as a JSON line, so scripts/bench-storage.sh can interleave runs with
// fio's figures for the same disk in the same session.
//
//   storage-bench pagecache-append <dir> <bytes>           1 partition, ~1 MiB batches of 1 KiB records, then flushAll
//   storage-bench groupcommit-append <dir> <bytes> <n>     n appenders on n partitions, each waiting for its fsync
//   storage-bench read <dir>                               reads back what pagecache-append wrote (page cache), 1 MiB fetches
//   storage-bench startup <dir> <partitions> <bytes-each>  fills once, then times open() warm and with our files evicted

#if canImport(Glibc)
import Glibc
#endif
import KafkaWire
import LogStorage
import Logging
import NIOCore

let arguments = CommandLine.arguments
func argument(_ index: Int) -> String {
    guard index < arguments.count else {
        emit("usage: storage-bench pagecache-append|groupcommit-append|read|startup <dir> …", to: STDERR_FILENO)
        exit(2)
    }
    return arguments[index]
}


do {
    switch argument(1) {
    case "pagecache-append":
        try await Bench.append(directory: argument(2), bytes: Int(argument(3))!, appenders: 1, durability: .pageCache)
    case "groupcommit-append":
        try await Bench.append(directory: argument(2), bytes: Int(argument(3))!, appenders: Int(argument(4))!, durability: .groupCommit)
    case "read":
        try Bench.read(directory: argument(2))
    case "startup":
        try Bench.startup(directory: argument(2), partitions: Int32(argument(3))!, bytesEach: Int(argument(4))!)
    default:
        _ = argument(99)
    }
} catch {
    emit("storage-bench: \(error)", to: STDERR_FILENO)
    exit(1)
}
