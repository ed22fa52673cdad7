import ArgumentParser
import Broker
import Dispatch
import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the broker.")

    @Option(name: .long, help: "A server.properties file (Kafka's key names; Bulwark's own under bulwark.).")
    var config: String?

    @Option(name: .customLong("override"), help: "KEY=VALUE, applied after the file (repeatable).")
    var overrides: [String] = []

    @Flag(name: .customLong("allow-root"), help: "Run even as root (same as bulwark.allow.root=true).")
    var allowRoot = false

    func run() async throws {
        var props = try loadProperties(config: config, overrides: overrides)
        // A broker needs no privilege: as root, a flaw in it owns the machine. Checked before
        // anything is written (the secure default creates files).
        if geteuid() == 0, !allowRoot, props["bulwark.allow.root"]?.lowercased() != "true" {
            FileHandle.standardError.write(Data("""
                bulwark: refusing to run as root; run as an unprivileged user (see deploy/bulwark.service), \
                or pass --allow-root (bulwark.allow.root=true) to insist\n
                """.utf8))
            throw ExitCode(1)
        }
        let brokerConfig: BrokerConfig
        let warnings: [String]
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
            (brokerConfig, warnings) = try BrokerConfig.parse(props)
        } catch let error as ConfigError {
            FileHandle.standardError.write(Data("bulwark: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let operations = brokerConfig.operations
        do {
            try BulwarkLogging.bootstrap(operations)
        } catch {
            FileHandle.standardError.write(Data("bulwark: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let registry = BulwarkMetrics.bootstrap()
        let logger = Logger(label: "bulwark")
        for w in warnings { logger.warning("\(w)") }
        if geteuid() == 0 { logger.warning("running as root (allowed by --allow-root or bulwark.allow.root)") }
        // The same checks as `bulwark doctor`; production mode refuses a high finding.
        let findings = SecurityDoctor(props: props, configFile: config).run()
        for f in findings {
            logger.log(level: f.severity == .high ? .error : (f.severity == .medium ? .warning : .notice),
                       "doctor: \(f.problem)", metadata: ["finding": "\(f.id)", "subject": "\(f.subject)", "fix": "\(f.fix)"])
        }
        if operations.mode == .production {
            let blocking = findings.filter {
                $0.severity == .high && !operations.doctorOverrides.contains($0.id) && !operations.doctorOverrides.contains("all")
            }
            if !blocking.isEmpty {
                let ids = Array(Set(blocking.map(\.id))).sorted()
                FileHandle.standardError.write(Data(("bulwark: production mode refuses to start on high-severity findings:\n"
                    + blocking.map { "  \($0)\n" }.joined()
                    + "fix them (bulwark doctor explains each), or override with bulwark.doctor.override=\(ids.joined(separator: ","))\n").utf8))
                throw ExitCode(1)
            }
        }
        let readiness = Readiness()
        let brokerBox = BrokerBox()
        var adminChannel: (any Channel)? = nil
        if let admin = operations.admin {
            do {
                let server = try AdminServer(settings: admin, readiness: readiness, logger: logger,
                                             policies: { brokerBox.broker?.policyAdmin }) {
                    await brokerBox.broker?.refreshGauges()
                    return registry.emitToBuffer()
                }
                adminChannel = try await server.bind(group: MultiThreadedEventLoopGroup.singleton)
                logger.info("admin listener up", metadata: [
                    "address": "\(admin.tls == nil ? "http" : "https")://\(admin.host):\(adminChannel?.localAddress?.port ?? admin.port)",
                    "authentication": "\(admin.requiresAuthentication)"])
            } catch {
                FileHandle.standardError.write(Data("bulwark: cannot start the admin listener: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }
        logger.info("bulwark \(BulwarkVersion.current) starting", metadata: ["log.dirs": "\(brokerConfig.logDir)"])
        raiseOpenFileLimit()
        let broker: BulwarkBroker
        do {
            broker = try BulwarkBroker(config: brokerConfig, logger: logger, readiness: readiness)
            brokerBox.broker = broker
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
        try? await adminChannel?.close()
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
