import Foundation
import Logging
import Synchronization

/// The broker's log lines: text for a terminal, or one JSON object per line (timestamp,
/// level, subsystem, message, metadata) for a log shipper; to standard error or to a file.
///
/// A logger's subsystem is its label without `bulwark.` (`bulwark.storage` → `storage`;
/// plain `bulwark` → `broker`); `bulwark.log.level.<subsystem>` overrides the level.
public struct BulwarkLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let subsystem: String
    private let sink: LogSink

    init(label: String, level: Logger.Level, sink: LogSink) {
        self.label = label
        subsystem = Self.subsystem(of: label)
        logLevel = level
        self.sink = sink
    }

    static func subsystem(of label: String) -> String {
        if label == "bulwark" { return "broker" }
        return label.hasPrefix("bulwark.") ? String(label.dropFirst("bulwark.".count)) : label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let level = event.level
        let message = event.message
        let explicit = event.metadata
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { $1 } }
        if let explicit { all.merge(explicit) { $1 } }
        let time = Self.timestamp()
        var out: String
        switch sink.format {
        case .json:
            out = "{\"timestamp\":\(Self.quote(time)),\"level\":\(Self.quote(level.rawValue)),\"subsystem\":\(Self.quote(subsystem)),"
            out += "\"source\":\(Self.quote(event.source)),"
            out += "\"message\":\(Self.quote(message.description))"
            if !all.isEmpty {
                out += ",\"metadata\":{"
                out += all.sorted { $0.key < $1.key }.map { "\(Self.quote($0.key)):\(Self.quote("\($0.value)"))" }.joined(separator: ",")
                out += "}"
            }
            out += "}\n"
        case .text:
            // swift-log's StreamLogHandler layout (tests and operators' greps rely on it),
            // with a UTC timestamp.
            out = "\(time) \(level.rawValue) \(label):"
            if !all.isEmpty { out += " " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") }
            out += " [\(event.source)] \(message)\n"
        }
        sink.write(out)
    }

    static func timestamp() -> String {
        var tv = timeval()
        gettimeofday(&tv, nil)
        var t = tv.tv_sec
        var parts = tm()
        gmtime_r(&t, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), Int(tv.tv_usec / 1000))
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped.
    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}

/// Where log lines go: one descriptor, one line per write(2) under a lock so lines from
/// different threads never interleave.
final class LogSink: Sendable {
    let format: OperationsSettings.LogFormat
    private let fd: Mutex<Int32>

    init(format: OperationsSettings.LogFormat, fd: Int32) {
        self.format = format
        self.fd = Mutex(fd)
    }

    func write(_ line: String) {
        var bytes = Array(line.utf8)
        fd.withLock { fd in
            bytes.withUnsafeMutableBytes { buf in
                var off = 0
                while off < buf.count {
                    let n = Foundation.write(fd, buf.baseAddress! + off, buf.count - off)
                    if n < 0 { if errno == EINTR { continue } else { return } }
                    off += n
                }
            }
        }
    }
}

/// Installs the broker's log handler once per process (`bulwark serve`).
public enum BulwarkLogging {
    private static let installed = Mutex(false)

    /// Whether `bootstrap` ran: subsystem loggers then get their own levels.
    public static var isBootstrapped: Bool { installed.withLock { $0 } }

    public static func bootstrap(_ settings: OperationsSettings) throws {
        var fd = STDERR_FILENO
        if let path = settings.logFile {
            fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw AdminError("cannot open log file \(path): \(String(cString: strerror(errno)))") }
        }
        let sink = LogSink(format: settings.logFormat, fd: fd)
        let levels = settings.subsystemLogLevels
        let defaultLevel = settings.logLevel
        LoggingSystem.bootstrap { label in
            BulwarkLogHandler(label: label, level: levels[BulwarkLogHandler.subsystem(of: label)] ?? defaultLevel, sink: sink)
        }
        installed.withLock { $0 = true }
    }
}

extension Logger {
    /// A logger for one subsystem (`storage`, `groups`, `audit`, `policy`, `server`) when the
    /// broker's handler is installed; otherwise this logger (tests keep their own handler).
    func subsystem(_ name: String) -> Logger {
        guard BulwarkLogging.isBootstrapped else { return self }
        return Logger(label: "bulwark.\(name)")
    }
}
