@testable import GroupCoordinator
import KafkaWire
import NIOCore
import Testing

/// Every response the coordinator builds must encode at the version it was asked for:
/// the generated encoders reject fields a version does not have.
@Suite struct ResponseEncodingTests {
    func encode<M: KafkaWireMessage>(_ message: M, version: Int16) throws {
        var buffer = ByteBufferAllocator().buffer(capacity: 256)
        try message.encode(into: &buffer, version: version)
        var readBack = buffer
        let decoded = try M(from: &readBack, version: version)
        #expect(readBack.readableBytes == 0)
        var again = ByteBufferAllocator().buffer(capacity: 256)
        try decoded.encode(into: &again, version: version)
        #expect(again == buffer)
    }

    @Test func allVersionsEncode() async throws {
        let harness = try Harness()
        let coordinator = harness.coordinator
        for version in JoinGroupRequest.versions {
            let group = "join-v\(version)"
            var join = await coordinator.joinGroup(joinRequest(group: group, instanceId: version >= 5 ? "i\(version)" : nil), version: version, clientId: "c", clientHost: "h")
            try encode(join, version: version)
            if join.errorCode == KafkaErrorCode.memberIdRequired.rawValue {
                join = await coordinator.joinGroup(joinRequest(group: group, memberId: join.memberId), version: version, clientId: "c", clientHost: "h")
            }
            try encode(join, version: version)
            let error = await coordinator.joinGroup(joinRequest(group: ""), version: version, clientId: "c", clientHost: "h")
            try encode(error, version: version)
        }
        let join = await coordinator.joinGroup(joinRequest(), version: 3, clientId: "c", clientHost: "h")
        for version in SyncGroupRequest.versions {
            var request = syncRequest(generation: 1, memberId: join.memberId, assignments: [join.memberId: [1]])
            if version >= 5 {
                request.protocolType = "consumer"
                request.protocolName = "range"
            }
            try encode(await coordinator.syncGroup(request, version: version), version: version)
            try encode(await coordinator.syncGroup(syncRequest(generation: 9, memberId: join.memberId), version: version), version: version)
        }
        for version in HeartbeatRequest.versions {
            try encode(await coordinator.heartbeat(heartbeatRequest(generation: 1, memberId: join.memberId), version: version), version: version)
        }
        for version in OffsetCommitRequest.versions {
            let response = await coordinator.offsetCommit(
                commitRequest(group: "standalone", offsets: [("t", 0, 1), ("t", 1, 2)], leaderEpoch: 4), version: version, partitionExists: allPartitionsExist)
            #expect(commitCodes(response) == [0, 0])
            try encode(response, version: version)
        }
        for version in OffsetFetchRequest.versions {
            let response: OffsetFetchResponse
            if version >= 8 {
                response = await coordinator.offsetFetch(OffsetFetchRequest(groups: [.init(groupId: "standalone", topics: nil)]), version: version)
            } else {
                response = await coordinator.offsetFetch(fetchRequest(group: "standalone", topics: version >= 2 ? nil : [("t", [0, 1])]), version: version)
            }
            try encode(response, version: version)
        }
        for version in DescribeGroupsRequest.versions {
            try encode(await coordinator.describeGroups(DescribeGroupsRequest(groups: ["g", "join-v7", "missing"]), version: version), version: version)
        }
        for version in ListGroupsRequest.versions {
            try encode(await coordinator.listGroups(ListGroupsRequest(), version: version), version: version)
        }
        try encode(await coordinator.offsetDelete(OffsetDeleteRequest(groupId: "standalone", topics: [.init(name: "t", partitions: [.init(partitionIndex: 0)])]), version: 0), version: 0)
        for version in LeaveGroupRequest.versions {
            let request = version >= 3
                ? LeaveGroupRequest(groupId: "g", members: [.init(memberId: join.memberId), .init(memberId: "x")])
                : LeaveGroupRequest(groupId: "g", memberId: join.memberId)
            try encode(await coordinator.leaveGroup(request, version: version), version: version)
        }
        for version in DeleteGroupsRequest.versions {
            try encode(await coordinator.deleteGroups(DeleteGroupsRequest(groupsNames: ["g", "missing"]), version: version), version: version)
        }
        await harness.cleanUp()
    }
}
