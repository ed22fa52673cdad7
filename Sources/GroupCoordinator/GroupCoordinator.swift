import Foundation
import KafkaWire
import Logging

/// Kafka's classic group coordinator: consumer-group membership (JoinGroup, SyncGroup,
/// Heartbeat, LeaveGroup), committed offsets and the group admin APIs.
///
/// Each group's protocol is a pure `GroupStateMachine`; this actor owns the machines,
/// the callers suspended on long-polling JoinGroup/SyncGroup requests, the timer that
/// drives session and rebalance timeouts, and the durable `OffsetStore`. Kafka error
/// codes are written into responses; nothing is thrown after init.
public actor GroupCoordinator {
    let config: GroupConfig
    let logger: Logger
    let now: @Sendable () -> Int64
    let store: OffsetStore
    var groups: [String: GroupStateMachine] = [:]
    var pendingJoins: [PendingRequestID: PendingResponse<JoinGroupResponse>] = [:]
    var pendingSyncs: [PendingRequestID: PendingResponse<SyncGroupResponse>] = [:]
    private var lastRequestId: UInt64 = 0
    private let timer = TimerTask()
    var isShutDown = false
    private var nextRetentionCheck: Int64

    /// `directory`: where committed offsets and group metadata persist (created if
    /// missing); they are loaded here. `now`: wall clock in milliseconds.
    /// `timerInterval`: how often deadlines (sessions, rebalances, initial delay, offset
    /// retention) are checked against `now`; `nil` starts no timer, and then the owner
    /// (a test with a manual clock) calls `tick()` itself.
    public init(
        directory: String,
        config: GroupConfig,
        logger: Logger,
        now: @escaping @Sendable () -> Int64,
        timerInterval: Duration? = .milliseconds(100),
        sealing: OffsetLogSealing? = nil
    ) throws {
        self.config = config
        self.logger = logger
        self.now = now
        self.store = try OffsetStore(directory: directory, logger: logger, sealing: sealing)
        let start = now()
        self.nextRetentionCheck = start + config.offsetsRetentionCheckIntervalMs
        var loaded: [String: GroupStateMachine] = [:]
        for groupId in Set(store.groups.keys).union(store.offsets.keys) {
            let record = store.groups[groupId]
            loaded[groupId] = GroupStateMachine(
                groupId: groupId, config: config, now: start,
                protocolType: record?.protocolType, generationId: record?.generation ?? 0)
        }
        self.groups = loaded
        if let timerInterval {
            let timer = self.timer
            timer.start(Task { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: timerInterval)
                    guard let self else { return }
                    await self.tick()
                }
            })
        }
    }

    /// Applies every deadline that passed: expired sessions and pending member ids,
    /// rebalance and sync timeouts, the initial rebalance delay, and (every
    /// `offsetsRetentionCheckIntervalMs`) offset retention.
    public func tick() async {
        guard !isShutDown else { return }
        let time = now()
        for groupId in Array(groups.keys) {
            guard let actions = groups[groupId]?.expireTimers(now: time), !actions.isEmpty else { continue }
            run(actions, group: groupId)
        }
        if time >= nextRetentionCheck {
            nextRetentionCheck = time + config.offsetsRetentionCheckIntervalMs
            expireOffsets(now: time)
        }
    }

    /// Flushes and stops timers (broker shutdown). Held JoinGroup/SyncGroup requests are
    /// answered NOT_COORDINATOR so clients look for the coordinator again; later calls
    /// get COORDINATOR_NOT_AVAILABLE.
    public func shutdown() async {
        guard !isShutDown else { return }
        isShutDown = true
        timer.cancel()
        for (_, pending) in pendingJoins {
            pending.continuation.resume(returning: GroupStateMachine.joinError(.notCoordinator).shaped(for: pending.version))
        }
        pendingJoins = [:]
        for (_, pending) in pendingSyncs {
            let response = SyncGroupResponse(errorCode: KafkaErrorCode.notCoordinator.rawValue)
            pending.continuation.resume(returning: response.shaped(for: pending.version))
        }
        pendingSyncs = [:]
        store.close()
    }

    func makeRequestId() -> PendingRequestID {
        lastRequestId += 1
        return PendingRequestID(rawValue: lastRequestId)
    }

    /// The one place a state machine's actions take effect.
    func run(_ actions: [GroupAction], group groupId: String) {
        for action in actions {
            switch action {
            case .joinResponse(let id, let response):
                if let pending = pendingJoins.removeValue(forKey: id) {
                    pending.continuation.resume(returning: response.shaped(for: pending.version))
                }
            case .syncResponse(let id, let response):
                if let pending = pendingSyncs.removeValue(forKey: id) {
                    pending.continuation.resume(returning: response.shaped(for: pending.version))
                }
            case .persistGroup:
                guard let group = groups[groupId] else { continue }
                let record = OffsetLogRecord(
                    kind: .group, group: groupId, protocolType: group.protocolType, generation: group.generationId)
                do {
                    try store.append([record])
                } catch {
                    // Only the generation number after a restart depends on it.
                    logger.warning("could not persist group metadata", metadata: ["group": "\(groupId)", "error": "\(error)"])
                }
            }
        }
    }

    /// Removes groups that have neither members nor offsets (Kafka's group cleanup).
    func removeGroupIfUnused(_ groupId: String) {
        guard let group = groups[groupId], group.state == .empty, group.isEmptyOfMembers,
              store.offsets[groupId] == nil
        else { return }
        groups[groupId] = nil
        if store.groups[groupId] != nil {
            try? store.append([OffsetLogRecord(kind: .deleteGroup, group: groupId)])
        }
    }

    // Test hooks: what is suspended, and a group's state.
    var pendingRequestCount: Int { pendingJoins.count + pendingSyncs.count }

    func state(of groupId: String) -> GroupState? { groups[groupId]?.state }
}
