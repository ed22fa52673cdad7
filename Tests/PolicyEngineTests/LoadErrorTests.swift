import Foundation
import Testing
@testable import PolicyEngine

@Suite struct LoadErrorTests {
    private func error(_ json: String, file: String = "bad.json") -> PolicyLoadError? {
        do {
            _ = try PolicySnapshot.load(files: [Fixture.file(file, json)], version: 1)
            return nil
        } catch {
            return error
        }
    }

    private func policy(_ body: String) -> String { #"{"serviceName": "kafka", "policies": [\#(body)]}"# }

    @Test func badJSONIsAnErrorNamingTheFile() {
        let e = error(#"{"policies": [ {"id": 1, "#)
        #expect(e?.file == "bad.json")
        #expect(e?.path == "$")
        #expect(e?.message.hasPrefix("not valid JSON") == true)
    }

    @Test func unknownAccessTypeNamesItsPath() {
        let e = error(policy(#"{"id": 1, "resources": {"topic": {"values": ["a"]}}, "policyItems": [{"users": ["u"], "accesses": [{"type": "read"}]}]}"#))
        #expect(e == PolicyLoadError(file: "bad.json", path: "policies[0].policyItems[0].accesses[0]",
                                     message: "unknown access type \"read\" for service definition kafka"))
    }

    @Test func unknownResourceIsRejected() {
        let e = error(policy(#"{"id": 1, "resources": {"queue": {"values": ["a"]}}}"#))
        #expect(e?.path == "policies[0].resources.queue")
        #expect(e?.message.hasPrefix("unknown resource \"queue\"") == true)
    }

    @Test func unknownConditionTypeFailsClosed() {
        let e = error(policy(#"{"id": 1, "resources": {"topic": {"values": ["a"]}}, "policyItems": [{"users": ["u"], "accesses": [{"type": "consume"}], "conditions": [{"type": "always-true", "values": ["x"]}]}]}"#))
        #expect(e?.path == "policies[0].policyItems[0].conditions[0]")
        #expect(e?.message == "condition type \"always-true\" is not defined by service definition kafka; the policy fails closed")
    }

    @Test func badIpRangeValue() {
        let e = error(policy(#"{"id": 1, "resources": {"topic": {"values": ["a"]}}, "conditions": [{"type": "ip-range", "values": ["10.0.0.0/33"]}]}"#))
        #expect(e?.path == "policies[0].conditions[0].values[0]")
    }

    @Test func duplicateIdsAcrossFiles() {
        let a = Fixture.file("a.json", policy(#"{"id": 5, "resources": {"topic": {"values": ["a"]}}}"#))
        let b = Fixture.file("b.json", policy(#"{"id": 5, "resources": {"topic": {"values": ["b"]}}}"#))
        #expect(throws: PolicyLoadError(file: "b.json", path: "policies[0]", message: "policy id 5 is also used in a.json; ids must be unique")) {
            try PolicySnapshot.load(files: [a, b], version: 1)
        }
    }

    @Test func wrongTypesAndMissingFields() {
        #expect(error(policy(#"{"resources": {"topic": {"values": ["a"]}}}"#))?.message == "missing \"id\"")
        #expect(error(policy(#"{"id": "x1", "resources": {"topic": {"values": ["a"]}}}"#))?.message == "expected an integer, found a string")
        #expect(error(policy(#"{"id": 1, "isEnabled": "yes", "resources": {"topic": {"values": ["a"]}}}"#))?.path == "policies[0].isEnabled")
        #expect(error(policy(#"{"id": 1, "resources": {"topic": {"values": []}}}"#))?.message == "\"values\" must list at least one value")
        #expect(error(#"[1, 2]"#)?.message == "expected an object, found an array")
        #expect(error(#"{"hello": 1}"#)?.message.hasPrefix("neither a policy set") == true)
    }

    @Test func badScheduleAndTimeZone() {
        let zone = error(policy(#"{"id": 1, "resources": {"topic": {"values": ["a"]}}, "validitySchedules": [{"timeZone": "Mars/Olympus"}]}"#))
        #expect(zone?.message == "unknown timeZone \"Mars/Olympus\"")
        let date = error(policy(#"{"id": 1, "resources": {"topic": {"values": ["a"]}}, "validitySchedules": [{"startTime": "2026-01-01"}]}"#))
        #expect(date?.message == "startTime \"2026-01-01\" is not yyyy/MM/dd HH:mm:ss")
    }

    @Test func undefinedZoneAndBadAuditMode() {
        #expect(error(policy(#"{"id": 1, "zoneName": "nowhere", "resources": {"topic": {"values": ["a"]}}}"#))?.message
                == "security zone \"nowhere\" is not defined in securityZones")
        #expect(error(#"{"serviceName": "kafka", "auditMode": "loud", "policies": []}"#)?.path == "auditMode")
    }

    @Test func badAclBindingIsAnError() {
        let binding = KafkaAclBinding(principal: "alice", resourceType: .topic, resourceName: "t", operation: .read)
        #expect(throws: PolicyLoadError(file: "kafka-acls", path: "acls[0]", message: "principal \"alice\" is not User:<name>, User:* or Group:<name>")) {
            try PolicySnapshot.load(files: [], kafkaAcls: [binding], version: 1)
        }
    }

    @Test func hostileInputNeverCrashes() {
        let good = policy(#"{"id": 1, "resources": {"topic": {"values": ["a*"]}}, "policyItems": [{"users": ["u"], "accesses": [{"type": "consume"}]}]}"#)
        let bytes = Array(good.utf8)
        var rejected = 0
        for cut in 0..<bytes.count {
            if (try? PolicySnapshot.load(files: [PolicyFile(name: "cut", contents: Data(bytes[..<cut]))], version: 1)) == nil { rejected += 1 }
        }
        #expect(rejected == bytes.count)  // every strict prefix is incomplete JSON
        #expect(error(String(repeating: "[", count: 100_000)) != nil)
    }
}
