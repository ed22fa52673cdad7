import Foundation
import Testing
@testable import BrokerSecurity

@Suite struct CertificateWatcherTests {
    typealias F = CertificateWatcher.Fingerprint

    @Test func reportsEachChangeOnce() {
        var files: [String: F] = ["/k.pem": F(inode: 1, size: 100, modifiedNanoseconds: 5), "/ca.pem": F(inode: 2, size: 50, modifiedNanoseconds: 5)]
        var w = CertificateWatcher(paths: ["/k.pem", "/ca.pem"]) { files[$0] }
        do { let changed = w.poll { files[$0] }; #expect(changed == false) }
        files["/k.pem"]!.modifiedNanoseconds = 6            // rewritten in place
        do { let changed = w.poll { files[$0] }; #expect(changed == true) }
        do { let changed = w.poll { files[$0] }; #expect(changed == false) }
        files["/ca.pem"] = F(inode: 9, size: 50, modifiedNanoseconds: 5)  // replaced by rename, same mtime
        do { let changed = w.poll { files[$0] }; #expect(changed == true) }
        files["/k.pem"] = nil                               // removed mid-replacement
        do { let changed = w.poll { files[$0] }; #expect(changed == true) }
        do { let changed = w.poll { files[$0] }; #expect(changed == false) }
        files["/k.pem"] = F(inode: 3, size: 120, modifiedNanoseconds: 7)  // back
        do { let changed = w.poll { files[$0] }; #expect(changed == true) }
    }

    @Test func fingerprintsRealFiles() throws {
        let path = NSTemporaryDirectory() + "bulwark-watch-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(CertificateWatcher.fingerprint(path) == nil)
        try "one".write(toFile: path, atomically: false, encoding: .utf8)
        let first = try #require(CertificateWatcher.fingerprint(path))
        #expect(first.size == 3)
        var w = CertificateWatcher(paths: [path])
        do { let changed = w.poll(); #expect(changed == false) }
        try "three".write(toFile: path + ".new", atomically: false, encoding: .utf8)
        #expect(rename(path + ".new", path) == 0)
        do { let changed = w.poll(); #expect(changed == true) }
        #expect(CertificateWatcher.fingerprint(path)?.size == 5)
    }
}
