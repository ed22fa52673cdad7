import AuditLog
import BrokerSecurity
import EnvelopeCrypto
import Foundation
import GroupCoordinator
import KafkaWire
import Logging
import LogStorage
import NIOCore
import NIOPosix

/// The broker: opens the log and the group coordinator, serves the listener, and on
/// `shutdown()` stops accepting, lets in-flight requests finish, flushes and returns.
public final class BulwarkBroker: Sendable {
    let state: BrokerState
    private let servers: [KafkaServer]
    private let group: MultiThreadedEventLoopGroup
    private let stopSignal = AsyncStream.makeStream(of: Void.self)
    /// What `/health/ready` reports; each part is set as start-up gets past it.
    public let readiness: Readiness
    /// The policy routes of the admin listener (nil without a policy directory).
    public let policyAdmin: PolicyAdmin?
    let keyring: Keyring?

    public init(config: BrokerConfig, logger: Logger, readiness: Readiness = Readiness()) throws {
        self.readiness = readiness
        try FileManager.default.createDirectory(atPath: config.logDir, withIntermediateDirectories: true)
        let identity = try ClusterIdentity.loadOrCreate(directory: config.logDir, nodeId: config.nodeId)
        // A wrong master key stops start-up here, before any data is touched.
        let encryption = try config.encryption.open(dataDirectory: config.logDir)
        keyring = encryption?.keyring
        readiness.set(.keys)
        let logs = try LogManager(directory: config.logDir + "/topics", defaults: config.logDefaults,
                                  durability: config.durability, logger: logger.subsystem("storage"), encryption: encryption)
        try logs.open()
        var groupConfig = GroupConfig()
        groupConfig.minSessionTimeoutMs = config.groups.minSessionTimeoutMs
        groupConfig.maxSessionTimeoutMs = config.groups.maxSessionTimeoutMs
        groupConfig.initialRebalanceDelayMs = config.groups.initialRebalanceDelayMs
        groupConfig.maxSize = config.groups.maxSize
        groupConfig.offsetsRetentionMinutes = config.groups.offsetsRetentionMinutes
        groupConfig.offsetMetadataMaxBytes = config.groups.offsetMetadataMaxBytes
        let groups = try GroupCoordinator(directory: config.logDir + "/groups", config: groupConfig, logger: logger.subsystem("groups"),
                                          now: { BrokerState.nowMs() },
                                          sealing: encryption.map { OffsetLogSealing(keyring: $0.keyring,
                                                                                     sealNewLines: $0.sealNewBatches) })
        let producerIds = try ProducerIdAllocator(directory: config.logDir)
        let credentials = try CredentialStore(path: CredentialStore.path(dataDirectory: config.logDir))
        readiness.set(.storage)
        let audit = try BrokerAudit.open(config: config.audit, logger: logger.subsystem("audit"),
                                         sealing: encryption.map { AuditSealing(keyring: $0.keyring, sealNewRecords: $0.sealNewBatches) })
        if let writer = audit.writer { readiness.watchAudit { writer.isWritable } }
        readiness.set(.audit)
        let acls = try AclStore(dataDirectory: config.logDir)
        let quotas = try QuotaManager(dataDirectory: config.logDir, samples: config.quotaWindowNum,
                                      windowMs: Int64(config.quotaWindowSizeSeconds) * 1000)
        let policies = config.authorization.enabled
            ? try PolicyStore(directory: config.authorization.policyDirectory, acls: acls,
                              superUsers: config.superUsers, audit: audit, logger: logger.subsystem("policy"))
            : nil
        readiness.set(.policies)
        let authorizer = BrokerAuthorizer(store: policies, osGroups: config.authorization.osGroups ? OSGroupResolver() : nil,
                                          logger: logger.subsystem("policy"))
        let recordLevel = policies == nil ? RecordLevelEnforcer.disabled
            : try RecordLevelEnforcer.open(dataDirectory: config.logDir, nonJSON: config.recordLevelNonJSON)
        let state = BrokerState(config: config, logs: logs, groups: groups, identity: identity,
                                producerIds: producerIds, credentials: credentials, acls: acls,
                                authorizer: authorizer, audit: audit, quotas: quotas, logger: logger,
                                recordLevel: recordLevel)
        self.state = state
        policyAdmin = policies.map { PolicyAdmin(store: $0, credentials: credentials, audit: audit, logger: logger.subsystem("policy")) }
        let dispatcher = RequestDispatcher(registry: Self.registry(state), authorizer: authorizer, audit: audit, logger: logger)
        let limits = ConnectionLimits(config.operations)
        let serverLogger = logger.subsystem("server")
        servers = try config.listeners.map { listener in
            let security = config.listenerSecurity[listener.name] ?? ListenerSecurity()
            return KafkaServer(listener: listener, security: try ListenerRuntime(security: security, credentials: state.credentials),
                               dispatcher: dispatcher, maxFrameSize: config.socketRequestMaxBytes,
                               idleTimeoutMs: config.connectionsMaxIdleMs,
                               requestReadTimeoutMs: config.requestReadTimeoutMs, logger: serverLogger, limits: limits)
        }
        group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
    }

    /// Every API this broker serves; ApiVersions is built from the rest.
    static func registry(_ state: BrokerState) -> HandlerRegistry {
        var registry = HandlerRegistry()
        registry.register(ProduceQuota(inner: ProduceHandler(state: state), quotas: state.quotas))
        registry.register(FetchQuota(inner: FetchHandler(state: state), quotas: state.quotas))
        registry.register(ListOffsetsHandler(state: state))
        registry.register(MetadataHandler(state: state))
        registry.register(OffsetCommitHandler(state: state))
        registry.register(OffsetFetchHandler(state: state))
        registry.register(FindCoordinatorHandler(state: state))
        registry.register(JoinGroupHandler(state: state))
        registry.register(HeartbeatHandler(state: state))
        registry.register(LeaveGroupHandler(state: state))
        registry.register(SyncGroupHandler(state: state))
        registry.register(DescribeGroupsHandler(state: state))
        registry.register(ListGroupsHandler(state: state))
        registry.register(CreateTopicsHandler(state: state))
        registry.register(DeleteTopicsHandler(state: state))
        registry.register(DeleteRecordsHandler(state: state))
        registry.register(InitProducerIdHandler(state: state))
        registry.register(OffsetForLeaderEpochHandler(state: state))
        registry.register(DescribeConfigsHandler(state: state))
        registry.register(AlterConfigsHandler(state: state))
        registry.register(CreatePartitionsHandler(state: state))
        registry.register(DeleteGroupsHandler(state: state))
        registry.register(IncrementalAlterConfigsHandler(state: state))
        registry.register(OffsetDeleteHandler(state: state))
        registry.register(DescribeClusterHandler(state: state))
        registry.register(SaslHandshakeHandler())
        registry.register(SaslAuthenticateHandler())
        registry.register(DescribeUserScramCredentialsHandler(state: state))
        registry.register(AlterUserScramCredentialsHandler(state: state))
        registry.register(DescribeAclsHandler(state: state))
        registry.register(CreateAclsHandler(state: state))
        registry.register(DeleteAclsHandler(state: state))
        registry.register(DescribeClientQuotasHandler(state: state))
        registry.register(AlterClientQuotasHandler(state: state))
        var advertised = registry.advertised
        advertised.append(.init(apiKey: KafkaApiKey.apiVersions.rawValue,
                                minVersion: ApiVersionsRequest.versions.lowerBound,
                                maxVersion: ApiVersionsRequest.versions.upperBound))
        advertised.sort { $0.apiKey < $1.apiKey }
        registry.register(ApiVersionsHandler(advertised: advertised))
        return registry
    }

    /// Serves until `shutdown()`; then drains and flushes. `onListening` gets the bound port.
    public func run(onListening: @Sendable (Int) -> Void = { _ in }) async throws {
        var channels: [any Channel] = []
        for server in servers {
            let channel = try await server.bind(group: group)
            channels.append(channel)
            let port = channel.localAddress?.port ?? server.listener.port
            state.logger.info("listening", metadata: ["listener": "\(server.listener)", "port": "\(port)",
                                                      "security.protocol": "\(server.security.settings.securityProtocol.rawValue)",
                                                      "cluster.id": "\(state.identity.clusterId)"])
            if let tls = server.security.settings.tls, let notAfter = tls.certificateNotValidAfter() {
                let days = (notAfter - Int(Date().timeIntervalSince1970)) / 86_400
                if days < 30 {
                    state.logger.warning("TLS certificate expires soon", metadata: [
                        "listener": "\(server.listener.name)", "days.left": "\(days)"])
                }
            }
            if channels.count == 1 { onListening(port) }
        }
        state.audit.lifecycle("start", reason: "bulwark \(state.identity.clusterId) node \(state.nodeId)")
        readiness.set(.listeners)
        let retention = Task { await self.retentionLoop() }
        let keyRequests = Task { [state] in await KeyAdminService(state: state).run() }
        let policyWatch = Task { [state] in
            await state.authorizer.store?.watch(every: .milliseconds(state.config.authorization.reloadIntervalMs))
        }
        for await _ in stopSignal.stream { break }
        readiness.stopping()
        if state.config.operations.unreadyDelayMs > 0 {
            state.logger.info("not ready; still serving for bulwark.shutdown.unready.delay.ms",
                              metadata: ["ms": "\(state.config.operations.unreadyDelayMs)"])
            try? await Task.sleep(for: .milliseconds(state.config.operations.unreadyDelayMs))
        }
        state.logger.info("shutting down: no new connections, draining in-flight requests")
        retention.cancel()
        keyRequests.cancel()
        policyWatch.cancel()
        for channel in channels { try? await channel.close() }
        for server in servers { server.connections.closeInputs() }
        let deadline = ContinuousClock.now + .seconds(10)
        while servers.contains(where: { $0.connections.count > 0 }), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        for server in servers { server.connections.closeAll() }
        await state.groups.shutdown()
        do {
            try state.logs.flushAll()
        } catch {
            state.logger.error("flush on shutdown failed", metadata: ["error": "\(error)"])
        }
        state.logs.close()
        state.audit.lifecycle("stop")
        await state.audit.close()
        try await group.shutdownGracefully()
        state.logger.info("stopped")
    }

    /// Reloads every TLS listener's certificate and key (SIGHUP): new connections get the
    /// new ones, open connections are not dropped. A listener whose files fail keeps the old.
    public func reloadCertificates() {
        for server in servers where server.security.settings.tls != nil {
            do {
                try server.security.reloadTLS()
                state.logger.info("TLS certificates reloaded", metadata: ["listener": "\(server.listener.name)"])
            } catch {
                state.logger.error("TLS reload failed; keeping the previous certificates",
                                   metadata: ["listener": "\(server.listener.name)", "error": "\(error)"])
            }
        }
    }

    public func shutdown() {
        stopSignal.continuation.yield()
    }

    private func retentionLoop() async {
        let interval = Duration.milliseconds(state.config.logRetentionCheckIntervalMs)
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            if Task.isCancelled { return }
            let deleted = state.logs.enforceRetention(now: BrokerState.nowMs())
            if deleted > 0 { state.logger.info("retention deleted segments", metadata: ["count": "\(deleted)"]) }
        }
    }
}
