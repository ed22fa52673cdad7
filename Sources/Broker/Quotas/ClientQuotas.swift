/// The configured quotas: each entity's key → value map, and Kafka's precedence for
/// finding the quota that governs a (user, client id) pair.
struct ClientQuotas: Sendable, Equatable {
    private(set) var entries: [QuotaEntity: [String: Double]] = [:]

    init(entries: [QuotaEntity: [String: Double]] = [:]) {
        self.entries = entries.filter { !$0.value.isEmpty }
    }

    subscript(entity: QuotaEntity) -> [String: Double] {
        get { entries[entity] ?? [:] }
        set { entries[entity] = newValue.isEmpty ? nil : newValue }
    }

    /// The quota governing one connection's (user, client id) for `key`, and the tags of
    /// the sensor it is measured on. Kafka's order, most specific first:
    /// `users/U/clients/C`, `users/U/clients/<default>`, `users/U`,
    /// `users/<default>/clients/C`, `users/<default>/clients/<default>`, `users/<default>`,
    /// `clients/C`, `clients/<default>`. A default-level match is still measured per actual
    /// user and client id (each gets its own allowance, not a shared one), as in Kafka.
    func governing(_ key: QuotaKey, user: String, clientId: String) -> (bound: Double, sensor: SensorTags)? {
        let u = QuotaEntity.Name.named(user), c = QuotaEntity.Name.named(clientId)
        let levels: [(QuotaEntity, SensorTags)] = [
            (QuotaEntity(user: u, clientId: c), SensorTags(user: user, clientId: clientId)),
            (QuotaEntity(user: u, clientId: .defaultName), SensorTags(user: user, clientId: clientId)),
            (QuotaEntity(user: u), SensorTags(user: user, clientId: "")),
            (QuotaEntity(user: .defaultName, clientId: c), SensorTags(user: user, clientId: clientId)),
            (QuotaEntity(user: .defaultName, clientId: .defaultName), SensorTags(user: user, clientId: clientId)),
            (QuotaEntity(user: .defaultName), SensorTags(user: user, clientId: "")),
            (QuotaEntity(clientId: c), SensorTags(user: "", clientId: clientId)),
            (QuotaEntity(clientId: .defaultName), SensorTags(user: "", clientId: clientId)),
        ]
        for (entity, tags) in levels {
            if let bound = entries[entity]?[key.rawValue] { return (bound, tags) }
        }
        return nil
    }
}

/// Which sensor a request is measured on: the parts of the matched entity, with the
/// actual names (empty for a part the entity does not have).
struct SensorTags: Hashable, Sendable {
    var user: String
    var clientId: String
}

/// The measured side of quotas: one rate sampler per (key, sensor), and the throttle
/// time a recording earns. Pure: the caller supplies the clock.
struct QuotaLedger: Sendable {
    var quotas: ClientQuotas
    let samples: Int
    let windowMs: Int64
    private var sensors: [Sensor: RateSampler] = [:]

    private struct Sensor: Hashable {
        var key: QuotaKey
        var tags: SensorTags
    }

    init(quotas: ClientQuotas = ClientQuotas(), samples: Int = 11, windowMs: Int64 = 1000) {
        self.quotas = quotas
        self.samples = samples
        self.windowMs = windowMs
    }

    /// Records `amount` against the governing quota and returns the throttle time in ms
    /// (0 when no quota governs or the rate stays within it).
    mutating func record(_ key: QuotaKey, user: String, clientId: String, amount: Double, nowMs: Int64) -> Int64 {
        guard let governing = quotas.governing(key, user: user, clientId: clientId) else { return 0 }
        let bound = governing.bound
        let sensor = Sensor(key: key, tags: governing.sensor)
        var sampler = sensors[sensor] ?? RateSampler(samples: samples, windowMs: windowMs)
        sampler.record(amount, nowMs: nowMs)
        sensors[sensor] = sampler
        expireIdle(nowMs: nowMs)
        return sampler.throttleMs(bound: bound, nowMs: nowMs)
    }

    /// Takes back a recording whose data was not sent (a throttled fetch answers empty).
    mutating func unrecord(_ key: QuotaKey, user: String, clientId: String, amount: Double, nowMs: Int64) {
        guard let governing = quotas.governing(key, user: user, clientId: clientId) else { return }
        sensors[Sensor(key: key, tags: governing.sensor)]?.record(-amount, nowMs: nowMs)
    }

    /// The most a single response may carry without exceeding the quota on its own
    /// (Kafka's `getMaxValueInQuotaWindow`: bound × (samples − 1) windows); nil without a quota.
    func maxInWindow(_ key: QuotaKey, user: String, clientId: String) -> Double? {
        guard let bound = quotas.governing(key, user: user, clientId: clientId)?.bound else { return nil }
        return bound * Double(samples - 1) * Double(windowMs) / 1000
    }

    /// Client ids are chosen by clients, so samplers are dropped once idle for a whole
    /// window (their history no longer counts) when there are many of them.
    private mutating func expireIdle(nowMs: Int64) {
        guard sensors.count > 4096 else { return }
        let horizon = Int64(samples) * windowMs
        sensors = sensors.filter { nowMs - $0.value.lastActivityMs < horizon }
    }
}
