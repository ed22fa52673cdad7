import Foundation
import Testing
@testable import PolicyEngine

private typealias F = Fixture

/// Who may change which policies: `teamlead` is delegated admin for consume and publish
/// on `team-a-*` (and only there); `admin` is a super user.
@Suite struct DelegatedAdminTests {
    private let current = F.topicPolicy(id: 1, topics: ["team-a-*"], items: [
        #"{"users": ["teamlead"], "accesses": [{"type": "consume"}, {"type": "publish"}], "delegateAdmin": true}"#,
    ])

    private func check(_ user: String, before: String?, after: String?) throws -> [String] {
        let base = F.file("base.json", #"{"serviceName": "kafka", "policies": [\#(current)]}"#)
        let principals = F.file("principals.json", #"{"superUsers": ["admin"]}"#)
        var currentFiles = [base, principals]
        if let before { currentFiles.append(F.file("team.json", before)) }
        var proposedFiles = [base, principals]
        if let after { proposedFiles.append(F.file("team.json", after)) }
        let now = try PolicySnapshot.load(files: currentFiles, version: 1)
        let next = try PolicySnapshot.load(files: proposedFiles, version: 2)
        return DelegatedAdmin.violations(principal: Principal(user: user), current: now, proposed: next, fileName: "team.json",
                                         before: before.map { Data($0.utf8) }, after: after.map { Data($0.utf8) })
    }

    private func set(_ policies: String...) -> String {
        #"{"serviceName": "kafka", "policies": [\#(policies.joined(separator: ","))]}"#
    }

    @Test func aDelegatedAdminMayGrantInsideTheirResources() throws {
        let grant = set(F.topicPolicy(id: 10, topics: ["team-a-orders", "team-a-x*"], items: [F.item(users: ["bob"], ["consume"])]))
        #expect(try check("teamlead", before: nil, after: grant) == [])
    }

    @Test func notOutsideThem() throws {
        let wide = set(F.topicPolicy(id: 10, topics: ["team-*"], items: [F.item(users: ["bob"], ["consume"])]))
        #expect(try check("teamlead", before: nil, after: wide)
                == ["policy 10: teamlead has no delegated admin rights on topic=team-*"])
    }

    @Test func norAccessTypesTheyDoNotHold() throws {
        let configure = set(F.topicPolicy(id: 10, topics: ["team-a-orders"], items: [F.item(users: ["bob"], ["consume", "configure"])]))
        #expect(try check("teamlead", before: nil, after: configure)
                == ["policy 10: teamlead has no delegated admin rights for configure on topic=team-a-orders"])
    }

    @Test func removingOrChangingSomeoneElsesPolicyNeedsRightsOverIt() throws {
        let theirs = set(F.topicPolicy(id: 20, topics: ["payments"], items: [F.item(users: ["carol"], ["consume"])]))
        #expect(try check("teamlead", before: theirs, after: set()) == ["policy 20: teamlead has no delegated admin rights on topic=payments"])
        // An unchanged policy beside the change is not the delegate's business.
        let mine = F.topicPolicy(id: 10, topics: ["team-a-orders"], items: [F.item(users: ["bob"], ["consume"])])
        let theirsText = F.topicPolicy(id: 20, topics: ["payments"], items: [F.item(users: ["carol"], ["consume"])])
        #expect(try check("teamlead", before: set(theirsText), after: set(theirsText, mine)) == [])
    }

    @Test func aNonAdminMayChangeNothingAndASuperUserAnything() throws {
        let grant = set(F.topicPolicy(id: 10, topics: ["team-a-orders"], items: [F.item(users: ["bob"], ["consume"])]))
        #expect(try check("bob", before: nil, after: grant) == ["policy 10: bob has no delegated admin rights on topic=team-a-orders"])
        let wide = set(F.topicPolicy(id: 10, topics: ["*"], items: [F.item(groups: ["public"], ["consume"])]))
        #expect(try check("admin", before: nil, after: wide) == [])
    }

    @Test func principalsAndZonesAreForSuperUsersOnly() throws {
        #expect(try check("teamlead", before: nil, after: #"{"userGroups": {"bob": ["team-a"]}}"#)
                == ["the new team.json has userGroups: only super users may change it"])
        #expect(try check("admin", before: nil, after: #"{"userGroups": {"bob": ["team-a"]}}"#) == [])
        // User attributes feed record-level filters: a delegate changing them would change
        // which records others see.
        #expect(try check("teamlead", before: nil, after: #"{"userAttributes": {"bob": {"region": "eu"}}}"#)
                == ["the new team.json has userAttributes: only super users may change it"])
    }
}
