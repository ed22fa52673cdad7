/// One entry of `listeners` / `advertised.listeners`: `NAME://host:port`.
public struct Listener: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var host: String
    public var port: Int

    public var description: String { "\(name)://\(host):\(port)" }

    /// Parses a comma-separated listener list. An empty host means all interfaces.
    static func parseList(_ text: String, key: String) throws(ConfigError) -> [Listener] {
        var out: [Listener] = []
        for item in text.split(separator: ",").map({ String($0).trimmingWhitespace() }) where !item.isEmpty {
            guard let schemeEnd = item.range(of: "://") else {
                throw ConfigError(key: key, message: "'\(item)' is not NAME://host:port")
            }
            let name = String(item[..<schemeEnd.lowerBound])
            let rest = item[schemeEnd.upperBound...]
            // [v6]:port, host:port or :port
            let hostPart: Substring
            let portPart: Substring
            if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
                hostPart = rest[rest.index(after: rest.startIndex)..<close]
                portPart = rest[rest.index(after: close)...].dropFirst()
            } else if let colon = rest.lastIndex(of: ":") {
                hostPart = rest[..<colon]
                portPart = rest[rest.index(after: colon)...]
            } else {
                throw ConfigError(key: key, message: "'\(item)' has no port")
            }
            guard let port = Int(portPart), (0...65535).contains(port) else {
                throw ConfigError(key: key, message: "'\(item)' has an invalid port")
            }
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw ConfigError(key: key, message: "'\(item)' has an invalid listener name")
            }
            if out.contains(where: { $0.name == name }) {
                throw ConfigError(key: key, message: "listener name \(name) appears twice")
            }
            out.append(Listener(name: name.uppercased(), host: String(hostPart), port: port))
        }
        guard !out.isEmpty else { throw ConfigError(key: key, message: "no listener given") }
        return out
    }
}

/// A configuration problem: which key, and why. Printed as is; never contains secrets.
public struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    public var key: String
    public var message: String

    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }

    public var description: String { "invalid configuration \(key): \(message)" }
}
