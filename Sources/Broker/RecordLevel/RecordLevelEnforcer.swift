import AuditLog
import BrokerSecurity
import Crypto
import EnvelopeCrypto
import Foundation
import KafkaWire
import NIOCore
import PolicyEngine
import RecordLevel

/// Record-level access in the broker (docs/RECORD-RULES.md): the Fetch and Produce
/// handlers call in here; the pure work is the RecordLevel target's.
///
/// A principal without a row filter or mask on a topic gets the fast path: one cached
/// lookup per topic per request, and the stored batches go out untouched.
final class RecordLevelEnforcer: Sendable {
    /// MASK_HASH's key for the tenant-less broker (tenants arrive with issue 10; each
    /// will get `HMAC(secret, tenant)`, so hashes differ between tenants).
    /// Immutable once made (swift-crypto does not mark `SymmetricKey` Sendable).
    private nonisolated(unsafe) let hashKey: SymmetricKey
    let nonJSON: NonJSONAction

    init(hashKey: SymmetricKey, nonJSON: NonJSONAction) {
        self.hashKey = hashKey
        self.nonJSON = nonJSON
    }

    /// Off (no authorizer): no policies, so no rules; the key is never used.
    static let disabled = RecordLevelEnforcer(hashKey: SymmetricKey(size: .bits256), nonJSON: .drop)

    /// Loads the mask secret from `<data>/meta/record-mask.key` (32 random bytes, hex,
    /// created 0600 on first start) and derives the tenant's key from it.
    static func open(dataDirectory: String, nonJSON: NonJSONAction) throws -> RecordLevelEnforcer {
        let directory = dataDirectory + "/meta"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/record-mask.key"
        if !FileManager.default.fileExists(atPath: path) {
            var bytes = [UInt8](repeating: 0, count: 32)
            var generator = SystemRandomNumberGenerator()
            for i in bytes.indices { bytes[i] = generator.next() }
            try SecureFile.create(path, contents: Hex.encode(bytes) + "\n", mode: 0o600)
        }
        let text = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let secret = Hex.decode(text), secret.count == 32 else { throw AuthorizationSetupError(message: "\(path) does not hold a 32-byte hex key") }
        let tenantKey = HMAC<SHA256>.authenticationCode(for: Array("bulwark mask-hash v1 tenant:".utf8), using: SymmetricKey(data: secret))
        return RecordLevelEnforcer(hashKey: SymmetricKey(data: Data(tenantKey)), nonJSON: nonJSON)
    }

    /// The plans for the topics of a fetch; topics without rules are absent (fast path).
    func fetchPlans(_ topics: some Sequence<String>, context: RequestContext) -> [String: RecordLevelPlan] {
        guard let store = context.authorizer.store else { return [:] }
        let evaluator = store.evaluator
        let principal = context.authorizer.principal(context)  // with its OS groups, as access checks see it
        var out: [String: RecordLevelPlan] = [:]
        for topic in Set(topics) {
            let rules = evaluator.recordRules(topic: topic, access: "consume", principal: principal, clientAddress: context.clientAddress)
            if !rules.isEmpty { out[topic] = RecordLevelPlan(rules: rules, hashKey: hashKey, nonJSON: nonJSON) }
        }
        return out
    }

    /// The produce answer when `records` break the topic's publish rule: INVALID_RECORD
    /// with each violating record in `record_errors`; nil when the batch may be appended.
    func produceRejection(topic: String, partition: Int32, records: ByteBuffer?, context: RequestContext)
        -> ProduceResponse.PartitionProduceResponse?
    {
        guard let store = context.authorizer.store, let records else { return nil }
        let rules = store.evaluator.recordRules(topic: topic, access: "publish", principal: context.authorizer.principal(context),
                                                clientAddress: context.clientAddress)
        guard rules.filter != nil else { return nil }
        guard let violations = ProduceRuleCheck.violations(records, rules: rules), !violations.isEmpty else { return nil }
        auditProduceRejection(topic: topic, rules: rules, violations: violations, context: context)
        let message = "\(violations.count) record(s) violate the produce rule of policy \(rules.filter!.policyId); nothing was appended"
        return ProduceResponse.PartitionProduceResponse(
            index: partition, errorCode: KafkaErrorCode.invalidRecord.rawValue, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1,
            recordErrors: violations.map { .init(batchIndex: Int32(clamping: $0.index), batchIndexErrorMessage: $0.message) },
            errorMessage: message)
    }

    /// One audit event per filtered topic of a fetch: records returned, filtered and
    /// masked, by policy.
    func auditFetch(_ summaries: [String: RecordLevelSummary], plans: [String: RecordLevelPlan], context: RequestContext) {
        for (topic, s) in summaries.sorted(by: { $0.key < $1.key }) where s.records > 0 {
            let plan = plans[topic]
            var parts = ["records \(s.records)", "returned \(s.returned)"]
            if let filter = plan?.rules.filter { parts.append("filtered \(s.filtered) by policy \(filter.policyId)") }
            if !s.maskedByPolicy.isEmpty {
                parts.append("masked \(s.masked) (" + s.maskedByPolicy.sorted { $0.key < $1.key }.map { "policy \($0.key): \($0.value)" }
                    .joined(separator: ", ") + ")")
            }
            if s.droppedNotJSON > 0 { parts.append("dropped \(s.droppedNotJSON) not JSON") }
            if s.unreadableBatches > 0 { parts.append("withheld \(s.unreadableBatches) unreadable batches") }
            var event = context.auditEvent(.recordSummary, resourceType: "topic", resourceName: topic, access: "consume",
                                           result: .allowed, action: "fetch-record-level", reason: parts.joined(separator: ", "))
            event.policyId = plan?.rules.filter.map { "\($0.policyId)" } ?? plan?.rules.masks.first.map { "\($0.policyId)" } ?? ""
            event.policyVersion = plan?.rules.snapshotVersion ?? 0
            context.audit.record(event, trail: context.auditTrail)
        }
    }

    private func auditProduceRejection(topic: String, rules: RecordRules, violations: [ProduceRuleCheck.Violation], context: RequestContext) {
        var event = context.auditEvent(.recordSummary, resourceType: "topic", resourceName: topic, access: "publish", result: .denied,
                                       action: "produce-record-level",
                                       reason: "\(violations.count) record(s) violate the produce rule; batch rejected")
        event.policyId = rules.filter.map { "\($0.policyId)" } ?? ""
        event.policyVersion = rules.snapshotVersion
        context.audit.record(event, trail: context.auditTrail)
    }
}
