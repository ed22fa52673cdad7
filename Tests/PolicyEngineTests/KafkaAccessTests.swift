import Testing
@testable import PolicyEngine

@Suite struct KafkaAccessTests {
    @Test(arguments: [
        (KafkaOperation.read, "consume"), (.write, "publish"), (.create, "create"), (.delete, "delete"),
        (.alter, "configure"), (.describe, "describe"), (.clusterAction, "cluster_action"),
        (.describeConfigs, "describe_configs"), (.alterConfigs, "alter_configs"), (.idempotentWrite, "idempotent_write"),
    ])
    func operationMapsAsRangersKafkaPlugin(_ operation: KafkaOperation, _ access: String) {
        #expect(operation.rangerAccessType == access)
        #expect(ServiceDef.kafka.isAccessType(access))
    }

    @Test func allHasNoRangerAccessTypeAndIsDenied() throws {
        #expect(KafkaOperation.all.rangerAccessType == nil)
        let snapshot = try Fixture.snapshot([Fixture.topicPolicy(id: 1, topics: ["*"], items: [Fixture.item(users: ["alice"], ["kafka_admin"])])])
        let decision = PolicyEvaluator(snapshot: snapshot).authorize([.kafka(.topic, "orders", .all)], principal: Principal(user: "alice"),
                                                                     clientAddress: nil)[0]
        #expect(!decision.isAllowed)
        #expect(decision.policyId == nil)
    }

    @Test(arguments: [
        (KafkaResourceType.topic, "topic"), (.group, "consumergroup"), (.cluster, "cluster"),
        (.transactionalId, "transactionalid"), (.delegationToken, "delegationtoken"),
    ])
    func resourceTypeMapsAsRangersKafkaPlugin(_ type: KafkaResourceType, _ resource: String) {
        #expect(type.rangerResource == resource)
        #expect(ServiceDef.kafka.resource(named: resource) != nil)
        #expect(KafkaResourceType(code: type.code) == type)
    }

    @Test func impliedGrantsFollowTheKafkaServiceDefinition() {
        let def = ServiceDef.kafka
        #expect(def.granted(by: ["consume"]) == ["consume", "describe"])
        #expect(def.granted(by: ["alter_configs"]) == ["alter_configs", "describe_configs"])
        #expect(def.granted(by: ["create"]) == ["create"])
        #expect(def.granted(by: ["kafka_admin"]).count == def.accessTypes.count)
    }

    @Test func kafkaPrincipalLosesItsUserPrefix() {
        #expect(Principal(kafkaPrincipal: "User:alice").user == "alice")
        #expect(Principal(kafkaPrincipal: "alice").user == "alice")
    }
}
