import Broker
import BrokerSecurity
import Foundation
import Logging

/// Keeps the TLS listeners' certificates current while the broker runs: reloads them when
/// their files change (as SIGHUP does), records each listener's seconds-to-expiry gauge,
/// and warns when one has under 30 days left: at each reload and once a day.
struct CertificateMaintenance: Sendable {
    let broker: BulwarkBroker
    let listeners: [(name: String, tls: TLSSettings)]
    let expiry: [String: CertificateExpiry]
    let logger: Logger
    /// How often the files are stat()ed: a few calls per listener, off the event loops.
    static let pollInterval = Duration.seconds(2)
    static let expiryCheckInterval = Duration.seconds(86_400)

    init(broker: BulwarkBroker, config: BrokerConfig, logger: Logger) {
        self.broker = broker
        self.logger = logger
        listeners = config.listeners.compactMap { l in config.listenerSecurity[l.name]?.tls.map { (l.name, $0) } }
        expiry = Dictionary(uniqueKeysWithValues: listeners.map { ($0.name, CertificateExpiry(listener: $0.name)) })
    }

    /// Records every listener's gauge; logs a warning for those under 30 days when `warn`.
    func checkExpiry(warn: Bool) {
        let now = Int64(Date().timeIntervalSince1970)
        for (name, tls) in listeners {
            guard let notAfter = tls.certificateNotValidAfter(), let gauge = expiry[name] else { continue }
            let status = gauge.record(notValidAfter: Int64(notAfter), now: now)
            if warn, status.warn {
                logger.warning(status.secondsLeft < 0 ? "TLS certificate has expired" : "TLS certificate expires soon",
                               metadata: ["listener": "\(name)", "days.left": "\(status.daysLeft)"])
            }
        }
    }

    /// SIGHUP, or a changed file: reload every TLS listener, then look at the new expiry.
    func reload() {
        broker.reloadCertificates()
        checkExpiry(warn: true)
    }

    /// Polls until cancelled (the broker stopping). The broker warned at start already.
    func run() async {
        guard !listeners.isEmpty else { return }
        var watcher = CertificateWatcher(paths: Array(Set(listeners.flatMap { $0.tls.files })).sorted())
        checkExpiry(warn: false)
        var lastExpiryCheck = ContinuousClock.now
        while !Task.isCancelled {
            do { try await Task.sleep(for: Self.pollInterval) } catch { return }
            if watcher.poll() {
                logger.info("TLS files changed; reloading", metadata: ["files": "\(watcher.paths.joined(separator: ","))"])
                reload()
            }
            if ContinuousClock.now - lastExpiryCheck >= Self.expiryCheckInterval {
                checkExpiry(warn: true)
                lastExpiryCheck = ContinuousClock.now
            }
        }
    }
}
