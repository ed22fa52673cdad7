import Foundation
import Testing

@testable import AuditLog

@Suite struct AuditConfigTests {
    @Test func defaultsAndOverrides() throws {
        let d = try AuditConfig.parse([:], dataDirectory: "/data")
        #expect(d.directory == "/data/audit" && d.keyFile == "/data/audit/signing.key")
        #expect(d.modes[.authorization] == .summarised && d.summaryWindowMilliseconds == 1000)
        #expect(d.isFailClosed(AuditEvent(kind: .authorization, time: 0, result: .denied)))
        #expect(!d.isFailClosed(AuditEvent(kind: .authorization, time: 0, result: .allowed)))
        #expect(d.isFailClosed(AuditEvent(kind: .admin, time: 0)))
        #expect(!d.isFailClosed(AuditEvent(kind: .lifecycle, time: 0)))

        let c = try AuditConfig.parse([
            "bulwark.audit.mode": "raw", "bulwark.audit.mode.recordSummary": "summarised",
            "bulwark.audit.failure.mode.authorization": "closed", "bulwark.audit.segment.bytes": "65536",
            "bulwark.audit.retention.ms": "-1", "bulwark.audit.dir": "/x/a", "log.dirs": "/ignored",
        ], dataDirectory: "/data")
        #expect(c.directory == "/x/a" && c.segmentBytes == 65536 && c.retentionMilliseconds == -1)
        #expect(c.modes[.authorization] == .raw && c.modes[.recordSummary] == .summarised)
        #expect(c.isFailClosed(AuditEvent(kind: .authorization, time: 0, result: .allowed)))
    }

    @Test func badValuesAndUnknownKeysNameTheKey() {
        for (key, value) in [("bulwark.audit.mode", "sometimes"), ("bulwark.audit.segment.bytes", "12"),
                             ("bulwark.audit.failure.mode.admin", "maybe"), ("bulwark.audit.enabled", "yes"),
                             ("bulwark.audit.segmnt.bytes", "4096")] {
            #expect {
                try AuditConfig.parse([key: value], dataDirectory: "/d")
            } throws: { error in
                (error as? AuditLogError)?.message.contains(key) == true
            }
        }
    }

    @Test func keyFileIsCreated0600AndAWiderOneIsRefused() throws {
        let dir = AuditTempDirectory()
        let path = dir.path + "/keys/audit.key"
        let key = try AuditSigningKey.loadOrCreate(path: path)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try AuditSigningKey.loadOrCreate(path: path).publicKey == key.publicKey)
        #expect(try AuditPublicKey(pemOrHex: key.publicKey.pem) == key.publicKey)
        chmod(path, 0o644)
        #expect(throws: AuditLogError.self) { try AuditSigningKey.load(path: path) }
    }
}
