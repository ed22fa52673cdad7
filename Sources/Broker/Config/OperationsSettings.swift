import BrokerSecurity
import Logging

/// How the broker runs as a service: the admin listener (metrics and health), logging,
/// connection limits, the production-mode start checks and the root refusal.
///
/// Keys: `bulwark.admin.*`, `bulwark.log.*`, `bulwark.mode`, `bulwark.doctor.override`,
/// `bulwark.allow.root`, and Kafka's `max.connections`, `max.connections.per.ip` and
/// `max.connections.per.ip.overrides`.
public struct OperationsSettings: Sendable {
    public enum Mode: String, Sendable { case development, production }
    public enum LogFormat: String, Sendable { case text, json }

    /// The admin HTTP listener; nil (the default) serves none.
    public var admin: AdminSettings? = nil
    public var mode: Mode = .development
    /// Doctor finding ids production mode starts in spite of (`all` for every one).
    public var doctorOverrides: Set<String> = []
    public var allowRoot = false
    public var logFormat: LogFormat = .text
    public var logLevel: Logger.Level = .info
    /// `bulwark.log.level.<subsystem>`: the subsystem is a logger label without `bulwark.`.
    public var subsystemLogLevels: [String: Logger.Level] = [:]
    /// `bulwark.log.file`: log lines go there (appended, 0600) instead of standard error.
    public var logFile: String? = nil
    public var maxConnections = Int.max
    public var maxConnectionsPerIp = Int.max
    /// `max.connections.per.ip.overrides`: `host:count,host:count`, by IP address.
    public var maxConnectionsPerIpOverrides: [String: Int] = [:]
    /// `bulwark.shutdown.unready.delay.ms`: on SIGTERM, how long /health/ready answers 503
    /// while the listeners still serve, so a load balancer stops sending new clients first.
    public var unreadyDelayMs: Int64 = 0

    public init() {}

    /// The admin listener: `bulwark.admin.listener=http://127.0.0.1:9644` (or https://).
    public struct AdminSettings: Sendable {
        public var host: String
        public var port: Int
        /// From `listener.name.admin.ssl.*`, falling back to the broker-wide `ssl.*` keys.
        public var tls: TLSSettings?
        /// `bulwark.admin.token.file`: `Authorization: Bearer <token>` opens /metrics.
        public var tokenFile: String?
        /// `bulwark.admin.user` and `bulwark.admin.password.file`: HTTP Basic opens /metrics.
        public var user: String?
        public var passwordFile: String?

        public var requiresAuthentication: Bool { tokenFile != nil || passwordFile != nil }
        public var isLoopback: Bool { Self.isLoopback(host) }

        static func isLoopback(_ host: String) -> Bool {
            host == "localhost" || host.hasPrefix("127.") || host == "::1" || host == "[::1]"
        }
    }

    static let keys: Set<String> = [
        "bulwark.admin.listener", "bulwark.admin.token.file", "bulwark.admin.user", "bulwark.admin.password.file",
        "bulwark.mode", "bulwark.doctor.override", "bulwark.allow.root", "bulwark.log.format", "bulwark.log.level",
        "bulwark.log.file", "bulwark.shutdown.unready.delay.ms", "max.connections", "max.connections.per.ip", "max.connections.per.ip.overrides",
    ]

    static func owns(_ key: String) -> Bool {
        keys.contains(key) || key.hasPrefix("bulwark.log.level.")
    }

    static func resolve(_ props: ServerProperties) throws(ConfigError) -> OperationsSettings {
        var s = OperationsSettings()
        for key in props.order where owns(key) {
            let value = props[key]!
            switch key {
            case "bulwark.mode":
                guard let m = Mode(rawValue: value) else { throw ConfigError(key: key, message: "must be development or production, not '\(value)'") }
                s.mode = m
            case "bulwark.doctor.override":
                s.doctorOverrides = Set(value.split(separator: ",").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty })
            case "bulwark.allow.root":
                switch value.lowercased() {
                case "true": s.allowRoot = true
                case "false": s.allowRoot = false
                default: throw ConfigError(key: key, message: "'\(value)' is not true or false")
                }
            case "bulwark.log.format":
                guard let f = LogFormat(rawValue: value) else { throw ConfigError(key: key, message: "must be text or json, not '\(value)'") }
                s.logFormat = f
            case "bulwark.log.level": s.logLevel = try level(key, value)
            case "bulwark.log.file": s.logFile = value.isEmpty ? nil : value
            case "bulwark.shutdown.unready.delay.ms": s.unreadyDelayMs = Int64(try count(key, value))
            case "max.connections": s.maxConnections = try count(key, value)
            case "max.connections.per.ip": s.maxConnectionsPerIp = try count(key, value)
            case "max.connections.per.ip.overrides":
                for item in value.split(separator: ",").map({ String($0).trimmingWhitespace() }) where !item.isEmpty {
                    guard let colon = item.lastIndex(of: ":"), let n = Int(item[item.index(after: colon)...]), n >= 0 else {
                        throw ConfigError(key: key, message: "'\(item)' is not host:count")
                    }
                    s.maxConnectionsPerIpOverrides[String(item[..<colon])] = n
                }
            case _ where key.hasPrefix("bulwark.log.level."):
                let subsystem = String(key.dropFirst("bulwark.log.level.".count))
                guard !subsystem.isEmpty else { throw ConfigError(key: key, message: "names no subsystem") }
                s.subsystemLogLevels[subsystem] = try level(key, value)
            default:
                break  // admin keys: below
            }
        }
        if let listener = props["bulwark.admin.listener"], !listener.isEmpty {
            s.admin = try resolveAdmin(listener, props: props)
        }
        return s
    }

    private static func resolveAdmin(_ text: String, props: ServerProperties) throws(ConfigError) -> AdminSettings {
        let key = "bulwark.admin.listener"
        let secure: Bool
        let rest: Substring
        if text.hasPrefix("http://") {
            secure = false
            rest = text.dropFirst("http://".count)
        } else if text.hasPrefix("https://") {
            secure = true
            rest = text.dropFirst("https://".count)
        } else {
            throw ConfigError(key: key, message: "'\(text)' is not http://host:port or https://host:port")
        }
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]), (0...65535).contains(port) else {
            throw ConfigError(key: key, message: "'\(text)' names no port")
        }
        var host = String(rest[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else {
            throw ConfigError(key: key, message: "name the address to bind (127.0.0.1 keeps it on this machine)")
        }
        var admin = AdminSettings(host: host, port: port)
        if secure {
            // The same ssl.* keys as a Kafka listener named ADMIN.
            admin.tls = try ListenerSecurity.resolve(listener: "ADMIN", props: props, protocolMap: ["ADMIN": .ssl]).tls
        }
        admin.tokenFile = props["bulwark.admin.token.file"].flatMap { $0.isEmpty ? nil : $0 }
        admin.user = props["bulwark.admin.user"].flatMap { $0.isEmpty ? nil : $0 }
        admin.passwordFile = props["bulwark.admin.password.file"].flatMap { $0.isEmpty ? nil : $0 }
        if (admin.user == nil) != (admin.passwordFile == nil) {
            throw ConfigError(key: "bulwark.admin.password.file", message: "set both bulwark.admin.user and bulwark.admin.password.file")
        }
        return admin
    }

    private static func level(_ key: String, _ value: String) throws(ConfigError) -> Logger.Level {
        guard let l = Logger.Level(rawValue: value.lowercased()) else {
            throw ConfigError(key: key, message: "'\(value)' is not one of trace, debug, info, notice, warning, error, critical")
        }
        return l
    }

    private static func count(_ key: String, _ value: String) throws(ConfigError) -> Int {
        guard let n = Int(value), n >= 0 else { throw ConfigError(key: key, message: "'\(value)' is not an integer ≥ 0") }
        return n
    }

    /// The per-IP limit for `address`, with its override if one names it.
    public func connectionLimit(for address: String) -> Int {
        maxConnectionsPerIpOverrides[address] ?? maxConnectionsPerIp
    }
}
