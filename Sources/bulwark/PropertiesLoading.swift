import ArgumentParser
import Broker
import Foundation

/// `--config FILE` then each `--override KEY=VALUE`, as `serve` and `doctor` read them.
func loadProperties(config: String?, overrides: [String]) throws -> ServerProperties {
    var props = ServerProperties()
    if let config {
        guard let text = try? String(contentsOfFile: config, encoding: .utf8) else {
            throw ValidationError("cannot read config file \(config)")
        }
        props = ServerProperties(parsing: text)
    }
    for item in overrides {
        guard let eq = item.firstIndex(of: "=") else { throw ValidationError("--override wants KEY=VALUE, got '\(item)'") }
        props.set(String(item[..<eq]), String(item[item.index(after: eq)...]))
    }
    return props
}
