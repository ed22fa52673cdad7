import Crypto
import Foundation
import KafkaWire
import NIOCore
import PolicyEngine
import Testing
@testable import RecordLevel

@Suite struct RecordBatchFilterTests {
    static let orders: [RL.R] = [
        RL.R(value: #"{"id": 1, "amount": 50, "card": "4111111111111111", "customer": {"email": "a@x.io"}, "born": "1990-07-14"}"#,
             headers: [("region", "eu"), ("user", "ann")]),
        RL.R(value: #"{"id": 2, "amount": 70, "card": "5500000000000004"}"#, headers: [("region", "us")]),
        RL.R(value: #"{"id": 3,  "amount": 20000, "card": "x"}"#, headers: [("region", "eu")]),
        RL.R(value: #"{"id":4,"amount":1,"card":1234567890,"born":631152000000,"note":"caf\u00e9 \"q\""}"#, headers: [("region", "eu")]),
    ]

    @Test(arguments: CompressionCodec.allCases)
    func aliceSeesHerRegionMasked(codec: CompressionCodec) throws {
        let input = try RL.batch(Self.orders, codec: codec)
        let (out, summary) = RecordBatchFilter.apply(try RL.plan(user: "alice"), to: input)
        let batches = try RL.decode(out)
        #expect(batches.count == 1)
        let (batch, records) = batches[0]
        #expect(batch.isChecksumValid)
        #expect(batch.header.compression == codec)
        #expect(batch.header.baseOffset == 100)
        #expect(batch.header.lastOffsetDelta == 3)  // the consumer still moves past offset 103
        #expect(batch.header.producerId == 42 && batch.header.producerEpoch == 1 && batch.header.baseSequence == 5)
        #expect(records.map { batch.header.offset(of: $0) } == [100, 103])
        let hash = DataMask(type: "MASK_HASH", hashKey: RL.key).hash(Array("a@x.io".utf8))
        let userHash = DataMask(type: "MASK_HASH", hashKey: RL.key).hash(Array("ann".utf8))
        // Byte-exact: only the masked values change; spacing and order stay as produced.
        #expect(records[0].value?.text
            == #"{"id": 1, "amount": 50, "card": "xxxxxxxxxxxx1111", "customer": {"email": "\#(hash)"}, "born": "1990-01-01"}"#)
        #expect(records[0].headers.map(\.key) == ["region", "user"])
        #expect(records[0].headers[1].value?.text == userHash)
        #expect(records[1].value?.text == #"{"id":4,"amount":1,"card":1111117890,"born":631152000000,"note":"caf\u00e9 \"q\""}"#)
        #expect(summary == {
            var s = RecordLevelSummary()
            s.records = 4; s.returned = 2; s.filtered = 2; s.masked = 2; s.rewrittenBatches = 1
            s.maskedByPolicy = [21: 2, 22: 1, 23: 2]
            return s
        }())
        // The timestamps of the kept records are unchanged.
        #expect(records.map { batch.header.timestamp(of: $0) } == [1_700_000_000_000, 1_700_000_000_003])
    }

    @Test func bornAsEpochKeepsTheYear() throws {
        // 631152000000 is 1990-01-01T00:00Z; 1990-07-14 as epoch ms must become it too.
        let mask = DataMask(type: "MASK_DATE_SHOW_YEAR", hashKey: RL.key)
        #expect(mask.number("647913600000") == .json("631152000000"))
        #expect(mask.text("2024-05-06T10:11:12Z") == .text("2024-01-01T00:00:00Z"))
    }

    @Test func bobGetsTheStoredBytes() throws {
        let plan = try RL.plan(user: "bob")
        #expect(plan.isEmpty)  // the broker skips the filter entirely for an empty plan
    }

    @Test(arguments: CompressionCodec.allCases)
    func emptyAfterFilteringIsABareHeader(codec: CompressionCodec) throws {
        let input = try RL.batch([Self.orders[1], Self.orders[1]], codec: codec, baseOffset: 7)
        let (out, summary) = RecordBatchFilter.apply(try RL.plan(user: "alice"), to: input)
        #expect(out.readableBytes == RecordBatchHeader.size)
        let batch = try RecordBatch(bytes: out)
        #expect(batch.isChecksumValid)
        #expect(batch.header.recordsCount == 0)
        #expect(batch.header.baseOffset == 7 && batch.header.lastOffset == 8)
        #expect(batch.header.compression == CompressionCodec.none)
        #expect(summary.filtered == 2 && summary.returned == 0)
    }

    @Test func unchangedBatchPassesThroughByteForByte() throws {
        // alice's filter keeps it and nothing masked applies (no card, email, born or user header).
        let input = try RL.batch([RL.R(value: #"{"amount": 1}"#, headers: [("region", "eu")])], codec: .gzip)
        let (out, summary) = RecordBatchFilter.apply(try RL.plan(user: "alice"), to: input)
        #expect(out == input)
        #expect(summary.rewrittenBatches == 0 && summary.returned == 1)
    }

    @Test func severalBatchesAndControlBatches() throws {
        var input = try RL.batch([Self.orders[0]], baseOffset: 0)
        var control = RecordBatchBuilder()
        control.baseOffset = 1
        control.isControl = true
        control.append(timestamp: 1, key: ByteBuffer(bytes: [0, 0, 0, 0]), value: ByteBuffer(bytes: [0, 0, 0, 0, 0, 0]))
        let controlBytes = try control.build()
        input.writeImmutableBuffer(controlBytes)
        input.writeImmutableBuffer(try RL.batch([Self.orders[1]], baseOffset: 2))
        // An incomplete tail (a cut batch) is withheld: it may hold records the filter removes.
        var tail = try RL.batch([Self.orders[0]], baseOffset: 3)
        input.writeImmutableBuffer(tail.readSlice(length: 30)!)
        let (out, _) = RecordBatchFilter.apply(try RL.plan(user: "alice"), to: input)
        let batches = try RL.decode(out)
        #expect(batches.map(\.0.header.baseOffset) == [0, 1, 2])
        #expect(batches.map(\.1.count) == [1, 1, 0])
        #expect(batches[1].0.bytes == controlBytes)
    }

    @Test(arguments: [NonJSONAction.drop, .null])
    func nonJSONValueUnderAJSONMask(action: NonJSONAction) throws {
        let input = try RL.batch([RL.R(value: "card=4111", headers: [("region", "eu")]), RL.R(value: nil, headers: [("region", "eu")])])
        // A plan with only the card mask (no filter), so the non-JSON record reaches the mask.
        let policies = #"{"policies": [{"id": 21, "policyType": 1, "resources": {"topic": {"values": ["orders"]}, "field": {"values": ["value.card"]}}, "dataMaskPolicyItems": [{"users": ["alice"], "accesses": [{"type": "consume"}], "dataMaskInfo": {"dataMaskType": "MASK"}}]}]}"#
        let rules = try RL.evaluator(policies).recordRules(topic: "orders", access: "consume", principal: Principal(user: "alice"), clientAddress: nil)
        let (out, summary) = RecordBatchFilter.apply(RecordLevelPlan(rules: rules, hashKey: RL.key, nonJSON: action), to: input)
        let records = try RL.decode(out)[0].1
        switch action {
        case .drop:
            #expect(records.count == 1 && records[0].value == nil)  // the tombstone has nothing to mask
            #expect(summary.droppedNotJSON == 1)
        case .null:
            #expect(records.count == 2 && records.allSatisfy { $0.value == nil })
        }
    }

    @Test func maskTypesOnText() {
        func m(_ type: String, _ s: String) -> DataMask.Output { DataMask(type: type, hashKey: RL.key).text(s) }
        #expect(m("MASK", "Ab-9 z") == .text("Xx-n x"))
        #expect(m("MASK_SHOW_LAST_4", "4111-1111-1111-1234") == .text("xxxx-xxxx-xxxx-1234"))
        #expect(m("MASK_SHOW_FIRST_4", "4111-1111") == .text("4111-xxxx"))
        #expect(m("MASK_NULL", "a") == .null)
        #expect(m("MASK_DATE_SHOW_YEAR", "not a date") == .text("xxx x xxxx"))
        #expect(m("NO_SUCH_MASK", "a") == .null)  // unknown: fail closed
        let number = DataMask(type: "MASK", hashKey: RL.key)
        #expect(number.number("-12.5e3") == .json("-11.1e3"))
    }

    @Test func hashIsKeyedAndConsistent() {
        let a = DataMask(type: "MASK_HASH", hashKey: RL.key)
        let b = DataMask(type: "MASK_HASH", hashKey: SymmetricKey(data: Data(repeating: 8, count: 32)))
        #expect(a.hash(Array("x".utf8)) == a.hash(Array("x".utf8)))
        #expect(a.hash(Array("x".utf8)) != b.hash(Array("x".utf8)))
        #expect(a.hash(Array("x".utf8)).count == 64)
        // Not the plain SHA-256 of the value (which anyone could compute from a guess).
        #expect(a.hash(Array("x".utf8)) != SHA256.hash(data: Array("x".utf8)).map { String(format: "%02x", $0) }.joined())
    }

    @Test func produceRuleViolations() throws {
        let rules = try RL.evaluator().recordRules(topic: "orders", access: "publish", principal: Principal(user: "carol"), clientAddress: nil)
        let good = RL.R(value: #"{"id": 1}"#, headers: [("tenant", "acme")])
        let noTenant = RL.R(value: #"{"id": 2}"#, headers: [("tenant", "other")])
        let noId = RL.R(value: #"{"name": 2}"#, headers: [("tenant", "acme")])
        let big = RL.R(value: #"{"id": 3, "pad": "\#(String(repeating: "p", count: 300))"}"#, headers: [("tenant", "acme")])
        #expect(ProduceRuleCheck.violations(try RL.batch([good, good]), rules: rules) == [])
        let v = try #require(ProduceRuleCheck.violations(try RL.batch([good, noTenant, noId, good, big]), rules: rules))
        #expect(v.map(\.index) == [1, 2, 4])
        #expect(ProduceRuleCheck.violations(try RL.batch([noTenant]), rules: rules)?.count == 1)
    }

    @Test func hostileJSONNeverCrashes() {
        var trie = JSONPathTrie()
        trie.insert([.member("a"), .member("b")])
        trie.insert([.index(0)])
        let inputs = ["", "{", "[", "\"", "{\"a\":", "{\"a\":{\"b\":1}", "[1,]", "{\"a\" 1}", "01", "-", "1e", "tru", "\"\\u12\"",
                      "\"\u{01}\"", String(repeating: "[", count: 10_000), "{\"a\":{\"b\":[1,2,{\"c\":\"\\ud800\"}]}}"]
        for input in inputs {
            let bytes = Array(input.utf8)
            let result = bytes.withUnsafeBytes { JSONPathScanner.scan($0, trie: trie) }
            if input == "{\"a\":{\"b\":[1,2,{\"c\":\"\\ud800\"}]}}" {
                #expect(result != nil)
            } else {
                #expect(result == nil, "\(input.prefix(20)) should not be JSON")
            }
        }
    }

    @Test func escapedKeysAreMatched() {
        var trie = JSONPathTrie()
        let slot = trie.insert([.member("a"), .member("b")])
        let doc = #"{"\u0061": {"b": 42}, "b": 1}"#
        let spans = Array(doc.utf8).withUnsafeBytes { JSONPathScanner.scan($0, trie: trie) }
        let span = spans?[slot].flatMap { $0 }
        #expect(span.map { String(decoding: Array(doc.utf8)[$0], as: UTF8.self) } == "42")
    }
}
