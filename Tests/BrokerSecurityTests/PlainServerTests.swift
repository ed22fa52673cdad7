import Testing
@testable import BrokerSecurity

@Suite struct PlainServerTests {
    static let lookup = FixedLookup(credentials: [
        "alice": ScramCredential.derive(password: Array("wonderland".utf8), salt: Array("0123456789abcdef".utf8),
                                        iterations: 4096, algorithm: .sha256),
    ])
    static let secret = [UInt8](repeating: 1, count: 32)

    static func token(_ parts: String...) -> [UInt8] { Array(parts.joined(separator: "\0").utf8) }

    @Test func parsesTheThreeFields() {
        let parsed = PlainServer.parse(Self.token("", "alice", "pw"))
        #expect(parsed?.authzid == "")
        #expect(parsed?.user == "alice")
        #expect(parsed?.password == Array("pw".utf8))
        #expect(PlainServer.parse(Self.token("alice", "alice", "pw"))?.authzid == "alice")
        #expect(PlainServer.parse(Array("alice".utf8)) == nil)
        #expect(PlainServer.parse(Self.token("", "", "pw")) == nil)
        #expect(PlainServer.parse(Self.token("", "alice", "")) == nil)
        #expect(PlainServer.parse(Self.token("", "alice", "p", "w")) == nil)
        #expect(PlainServer.parse([0xff, 0, 0x61, 0, 0x62]) == nil)
    }

    @Test func authzidEmptyOrEqualIsAccepted() {
        for authzid in ["", "alice"] {
            var m = PlainServer(lookup: Self.lookup, fakeSecret: Self.secret)
            #expect(m.step(Self.token(authzid, "alice", "wonderland")) == .success(user: "alice", response: []))
        }
        var other = PlainServer(lookup: Self.lookup, fakeSecret: Self.secret)
        #expect(other.step(Self.token("bob", "alice", "wonderland")) == .failure(reason: "authzid differs from the user"))
    }

    @Test func wrongPasswordAndUnknownUserFail() {
        var wrong = PlainServer(lookup: Self.lookup, fakeSecret: Self.secret)
        #expect(wrong.step(Self.token("", "alice", "nope")) == .failure(reason: "wrong password"))
        var unknown = PlainServer(lookup: Self.lookup, fakeSecret: Self.secret)
        #expect(unknown.step(Self.token("", "mallory", "wonderland")) == .failure(reason: "unknown user"))
    }
}
