import ArgumentParser
import Broker
import Dispatch
import Foundation
import Logging

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the broker.")

    @Option(name: .long, help: "A server.properties file (Kafka's key names; Bulwark's own under bulwark.).")
    var config: String?

    @Option(name: .customLong("override"), help: "KEY=VALUE, applied after the file (repeatable).")
    var overrides: [String] = []

    func run() async throws {
        var logger = Logger(label: "bulwark")
        logger.logLevel = .info
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
        let brokerConfig: BrokerConfig
        var secureDefault: SecureDefault? = nil
        do {
            // Without `listeners` the broker is secure by default (see SecureDefault); the
            // first parse only finds the data directory the certificates belong in.
            if props["listeners"] == nil {
                let dataDirectory = try BrokerConfig.parse(props).0.logDir
                do {
                    secureDefault = try SecureDefault.prepare(dataDirectory: dataDirectory)
                } catch {
                    FileHandle.standardError.write(Data("bulwark: cannot prepare the secure default in \(dataDirectory): \(error)\n".utf8))
                    throw ExitCode(1)
                }
                secureDefault?.apply(to: &props)
            }
            let (parsed, warnings) = try BrokerConfig.parse(props)
            for w in warnings { logger.warning("\(w)") }
            brokerConfig = parsed
        } catch let error as ConfigError {
            FileHandle.standardError.write(Data("bulwark: \(error)\n".utf8))
            throw ExitCode(2)
        }
        logger.info("bulwark \(BulwarkVersion.current) starting", metadata: ["log.dirs": "\(brokerConfig.logDir)"])
        raiseOpenFileLimit()
        let broker: BulwarkBroker
        do {
            broker = try BulwarkBroker(config: brokerConfig, logger: logger)
        } catch {
            FileHandle.standardError.write(Data("bulwark: cannot start: \(error)\n".utf8))
            throw ExitCode(1)
        }
        // SIGTERM and SIGINT drain and stop; the default handlers would kill us mid-write.
        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        let sources = [SIGTERM, SIGINT].map { sig in
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { broker.shutdown() }
            source.resume()
            return source
        }
        // SIGHUP reloads TLS certificates and keys without dropping connections.
        signal(SIGHUP, SIG_IGN)
        let hup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        let certificates = CertificateMaintenance(broker: broker, config: brokerConfig, logger: logger)
        hup.setEventHandler { certificates.reload() }
        hup.resume()
        let watching = Task { await certificates.run() }
        let banner = secureDefault
        try await broker.run { port in
            // stdout, unbuffered, once the listener is up: the one place the password appears.
            if let banner { FileHandle.standardOutput.write(Data(banner.banner(port: port).utf8)) }
        }
        watching.cancel()
        sources.forEach { $0.cancel() }
        hup.cancel()
    }
}

/// A broker holds a descriptor per connection and per open segment: take the hard limit.
private func raiseOpenFileLimit() {
    var limit = rlimit()
    if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max {
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}
