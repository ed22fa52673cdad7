#if canImport(Glibc)
import Glibc
#endif
import BrokerSecurity
import GroupCoordinator
import KafkaWire
import Logging
import LogStorage

/// What every handler shares: configuration, the log, the group coordinator, identity.
final class BrokerState: Sendable {
    let config: BrokerConfig
    let logs: LogManager
    let groups: GroupCoordinator
    let identity: ClusterIdentity
    let producerIds: ProducerIdAllocator
    let logger: Logger
    /// SCRAM credentials (also PLAIN's), in `<log.dirs>/meta/scram-credentials`.
    let credentials: CredentialStore
    /// Kafka ACLs (CreateAcls/DeleteAcls), in `<log.dirs>/meta/acls.json`.
    let acls: AclStore
    let authorizer: BrokerAuthorizer
    let audit: BrokerAudit

    /// The `__bulwark_audit` topic, served only when an authorizer decides who reads it:
    /// without one Kafka lets everyone read everything, and the audit log says who touched
    /// what, so it stays out of reach (the CLI still reads the files).
    var auditTopic: AuditTopic? { authorizer.isEnabled ? audit.topic : nil }
    /// Row filters, data masks and produce rules (issue 7).
    let recordLevel: RecordLevelEnforcer
    /// Client quotas (AlterClientQuotas), in `<log.dirs>/meta/quotas.json`, and their rates.
    let quotas: QuotaManager

    init(config: BrokerConfig, logs: LogManager, groups: GroupCoordinator, identity: ClusterIdentity,
         producerIds: ProducerIdAllocator, credentials: CredentialStore, acls: AclStore, authorizer: BrokerAuthorizer,
         audit: BrokerAudit, quotas: QuotaManager, logger: Logger, recordLevel: RecordLevelEnforcer = .disabled) {
        self.recordLevel = recordLevel
        self.quotas = quotas
        self.audit = audit
        self.credentials = credentials
        self.acls = acls
        self.authorizer = authorizer
        self.config = config
        self.logs = logs
        self.groups = groups
        self.identity = identity
        self.producerIds = producerIds
        self.logger = logger
    }

    var nodeId: Int32 { config.nodeId }

    /// Wall-clock milliseconds, the unit of Kafka timestamps.
    static func nowMs() -> Int64 {
        Int64((Double(DispatchWallClock.nanoseconds()) / 1e6).rounded(.down))
    }
}

/// Reads the wall clock without Foundation's Date allocation on hot paths.
enum DispatchWallClock {
    static func nanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
