import Crypto
import Foundation
import KafkaWire
import NIOCore
import PolicyEngine
@testable import RecordLevel

/// Policies used across the record-level tests: alice (region eu) sees orders whose
/// `region` header is her region and whose amount is under 10000, with the card number
/// showing its last 4, the email hashed and the birth date showing the year; bob sees
/// everything unmasked; carol may only publish records with her tenant header.
enum RL {
    static let policies = #"""
    {"serviceName": "kafka", "policies": [
      {"id": 20, "policyType": 2, "name": "alice sees her region", "resources": {"topic": {"values": ["orders"]}},
       "rowFilterPolicyItems": [
         {"users": ["alice"], "accesses": [{"type": "consume", "isAllowed": true}],
          "rowFilterInfo": {"filterExpr": "headers['region'] == '${{USER.region}}' and value.amount < 10000"}},
         {"users": ["carol"], "accesses": [{"type": "publish", "isAllowed": true}],
          "rowFilterInfo": {"filterExpr": "headers['tenant'] == 'acme' and exists(value.id) and size(value) <= 200"}}]},
      {"id": 21, "policyType": 1, "name": "card last 4", "resources": {"topic": {"values": ["orders"]}, "field": {"values": ["value.card"]}},
       "dataMaskPolicyItems": [{"users": ["alice"], "accesses": [{"type": "consume", "isAllowed": true}],
                                "dataMaskInfo": {"dataMaskType": "MASK_SHOW_LAST_4"}}]},
      {"id": 22, "policyType": 1, "name": "email hashed", "resources": {"topic": {"values": ["orders"]}, "field": {"values": ["value.customer.email", "headers['user']"]}},
       "dataMaskPolicyItems": [{"users": ["alice"], "accesses": [{"type": "consume", "isAllowed": true}],
                                "dataMaskInfo": {"dataMaskType": "MASK_HASH"}}]},
      {"id": 23, "policyType": 1, "name": "birth year", "resources": {"topic": {"values": ["orders"]}, "field": {"values": ["value.born"]}},
       "dataMaskPolicyItems": [{"users": ["alice"], "accesses": [{"type": "consume", "isAllowed": true}],
                                "dataMaskInfo": {"dataMaskType": "MASK_DATE_SHOW_YEAR"}}]}
    ]}
    """#
    static let principals = #"{"userAttributes": {"alice": {"region": "eu"}}}"#

    static func evaluator(_ policies: String = policies, principals: String = principals) throws -> PolicyEvaluator {
        let snapshot = try PolicySnapshot.load(files: [PolicyFile(name: "p.json", contents: Data(policies.utf8)),
                                                       PolicyFile(name: "u.json", contents: Data(principals.utf8))], version: 3)
        return PolicyEvaluator(snapshot: snapshot)
    }

    static var key: SymmetricKey { SymmetricKey(data: Data(repeating: 7, count: 32)) }

    static func plan(user: String, topic: String = "orders", nonJSON: NonJSONAction = .drop) throws -> RecordLevelPlan {
        let rules = try evaluator().recordRules(topic: topic, access: "consume", principal: Principal(user: user), clientAddress: nil)
        return RecordLevelPlan(rules: rules, hashKey: key, nonJSON: nonJSON)
    }

    struct R {
        var value: String?
        var headers: [(String, String)] = []
        var key: String? = nil
    }

    static func batch(_ records: [R], codec: CompressionCodec = .lz4, baseOffset: Int64 = 100) throws -> ByteBuffer {
        var b = RecordBatchBuilder(compression: codec)
        b.baseOffset = baseOffset
        b.producerId = 42
        b.producerEpoch = 1
        b.baseSequence = 5
        for (i, r) in records.enumerated() {
            b.append(timestamp: 1_700_000_000_000 + Int64(i), key: r.key.map { ByteBuffer(string: $0) }, value: r.value.map { ByteBuffer(string: $0) },
                     headers: r.headers.map { RecordHeader(key: $0.0, value: ByteBuffer(string: $0.1)) })
        }
        return try b.build()
    }

    static func decode(_ bytes: ByteBuffer) throws -> [(RecordBatch, [Record])] {
        let (batches, tail) = try RecordBatchIterator.split(bytes)
        precondition(tail == nil)
        return try batches.map { ($0, try $0.decodeRecords(maxUncompressedBytes: 1 << 24)) }
    }
}

extension ByteBuffer {
    var text: String { String(buffer: self) }
}
