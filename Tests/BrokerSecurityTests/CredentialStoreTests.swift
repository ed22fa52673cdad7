import Foundation
import Testing
@testable import BrokerSecurity

@Suite struct CredentialStoreTests {
    static func tempDir() -> String {
        let dir = NSTemporaryDirectory() + "bulwark-creds-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func roundTripModeAndNoPassword() throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = CredentialStore.path(dataDirectory: dir)
        let store = try CredentialStore(path: path)
        let alice = try ScramCredential.make(password: Array("correct horse".utf8), algorithm: .sha512, iterations: 8192)
        try store.upsert(user: "alice", credential: alice)
        try store.upsert(user: "b ob,=", credential: try ScramCredential.make(password: Array("x".utf8), algorithm: .sha256, iterations: 4096))
        var st = stat()
        #expect(stat(path, &st) == 0)
        #expect(st.st_mode & 0o777 == 0o600)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!text.contains("correct horse"))
        let reopened = try CredentialStore(path: path)
        #expect(reopened.credential(user: "alice", algorithm: .sha512) == alice)
        #expect(reopened.credential(user: "alice", algorithm: .sha256) == nil)
        #expect(reopened.list().map { "\($0.user)/\($0.algorithm.rawValue)/\($0.iterations)" }
                == ["alice/SCRAM-SHA-512/8192", "b ob,=/SCRAM-SHA-256/4096"])
        #expect(reopened.credential(user: "alice", algorithm: .sha512)!.matches(password: Array("correct horse".utf8)))
        #expect(!reopened.credential(user: "alice", algorithm: .sha512)!.matches(password: Array("wrong".utf8)))
        #expect(try reopened.remove(user: "alice") == 1)
        #expect(try CredentialStore(path: path).list().map(\.user) == ["b ob,="])
        #expect(!FileManager.default.fileExists(atPath: path + ".tmp"))
    }

    @Test func iterationBoundsAndCorruptFiles() throws {
        #expect(throws: SecurityError.self) { try ScramCredential.make(password: [1], algorithm: .sha256, iterations: 4095) }
        #expect(throws: SecurityError.self) { try ScramCredential.make(password: [1], algorithm: .sha256, iterations: 16385) }
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/creds"
        try "YWxpY2U= SCRAM-SHA-256 AAAA 10 AAAA AAAA\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: SecurityError.self) { try CredentialStore(path: path) }
    }
}
