import Foundation
@testable import Broker
import Testing

@Suite struct OSGroupResolverTests {
    /// What `id -Gn USER` prints: the system's own answer to compare with.
    private func idGroups(_ user: String) throws -> Set<String> {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/id")
        process.arguments = ["-Gn", user]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        process.waitUntilExit()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return Set(text.split(whereSeparator: \.isWhitespace).map(String.init))
    }

    @Test func groupsMatchTheSystemsAnswer() throws {
        for user in ["root", "daemon"] {
            let expected = try idGroups(user)
            #expect(!expected.isEmpty)
            #expect(Set(OSGroupResolver.lookUp(user)) == expected, "\(user)")
        }
    }

    @Test func anUnknownUserHasNoGroups() {
        #expect(OSGroupResolver.lookUp("no-such-user-7f3a9") == [])
        #expect(OSGroupResolver().groups(of: "no-such-user-7f3a9") == [])
    }
}
