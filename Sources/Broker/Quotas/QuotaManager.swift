import Foundation
import Synchronization

/// The broker's client quotas: the configured values, kept in `<log.dirs>/meta/quotas.json`
/// (atomic replace, reloaded at start), and the ledger that measures clients against them.
final class QuotaManager: Sendable {
    private let url: URL
    private let ledger: Mutex<QuotaLedger>

    init(dataDirectory: String, samples: Int = 11, windowMs: Int64 = 1000) throws {
        url = URL(fileURLWithPath: dataDirectory).appendingPathComponent("meta/quotas.json")
        var quotas = ClientQuotas()
        if let data = FileManager.default.contents(atPath: url.path) {
            do {
                for stored in try JSONDecoder().decode([StoredQuota].self, from: data) {
                    quotas[try stored.quotaEntity()] = stored.values
                }
            } catch {
                throw ConfigError(key: "log.dirs", message: "cannot read \(url.path): \(error)")
            }
        }
        ledger = Mutex(QuotaLedger(quotas: quotas, samples: samples, windowMs: windowMs))
    }

    var quotas: ClientQuotas { ledger.withLock { $0.quotas } }

    /// Replaces the configured quotas once the file holding them is written; nothing
    /// changes if the write fails. Measurements so far are kept.
    func update(_ change: (inout ClientQuotas) -> Void) throws -> (before: ClientQuotas, after: ClientQuotas) {
        try ledger.withLock { ledger in
            let before = ledger.quotas
            var next = before
            change(&next)
            guard next != before else { return (before, before) }
            let stored = next.entries.map { StoredQuota(entity: $0.key, values: $0.value) }
                .sorted { $0.sortKey < $1.sortKey }
            let data = try JSONEncoder.sorted.encode(stored)
            try AtomicFile.write(String(decoding: data, as: UTF8.self) + "\n", to: url)
            ledger.quotas = next
            return (before, next)
        }
    }

    func record(_ key: QuotaKey, user: String, clientId: String, amount: Double, nowMs: Int64 = BrokerState.nowMs()) -> Int64 {
        ledger.withLock { $0.record(key, user: user, clientId: clientId, amount: amount, nowMs: nowMs) }
    }

    func unrecord(_ key: QuotaKey, user: String, clientId: String, amount: Double, nowMs: Int64 = BrokerState.nowMs()) {
        ledger.withLock { $0.unrecord(key, user: user, clientId: clientId, amount: amount, nowMs: nowMs) }
    }

    func maxInWindow(_ key: QuotaKey, user: String, clientId: String) -> Double? {
        ledger.withLock { $0.maxInWindow(key, user: user, clientId: clientId) }
    }
}

/// The file form of one entity's quotas: Kafka's entity types and keys.
private struct StoredQuota: Codable {
    struct Component: Codable {
        var type: String
        var name: String?
    }

    var entity: [Component]
    var values: [String: Double]

    init(entity: QuotaEntity, values: [String: Double]) {
        self.entity = entity.components.map { Component(type: $0.type, name: $0.name) }
        self.values = values
    }

    var sortKey: String { entity.map { "\($0.type)=\($0.name ?? "")" }.joined(separator: ",") }

    func quotaEntity() throws -> QuotaEntity {
        var e = QuotaEntity()
        for c in entity {
            let name = QuotaEntity.Name(wire: c.name)
            switch c.type {
            case QuotaEntity.userType: e.user = name
            case QuotaEntity.clientIdType: e.clientId = name
            case QuotaEntity.ipType: e.ip = name
            default: throw ConfigError(key: "log.dirs", message: "unknown quota entity type \(c.type)")
            }
        }
        return e
    }
}
