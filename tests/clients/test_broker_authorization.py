"""Authorization by the policy engine against the real broker: Ranger policy files, Kafka ACLs
through AdminClient, hot reload, with kcat and confluent-kafka over SASL_PLAINTEXT/SCRAM.

alice may publish and consume `orders` and consume in groups `g-*`; bob may consume
`payments` but has no group; admin is a super user. Everything else is denied."""
import json
import time
import uuid

import pytest

from security import PASSWORDS, add_user, security_broker

MECH = "SCRAM-SHA-256"
ADMIN_PASSWORD = "admin-Pa55-word-0b7e"

POLICIES = {
    "serviceName": "kafka",
    "policies": [
        {"id": 10, "name": "orders for alice", "resources": {"topic": {"values": ["orders"]}},
         "policyItems": [{"users": ["alice"], "accesses": [{"type": "publish", "isAllowed": True},
                                                           {"type": "consume", "isAllowed": True}]}]},
        {"id": 11, "name": "alice's groups", "resources": {"consumergroup": {"values": ["g-*"]}},
         "policyItems": [{"users": ["alice"], "accesses": [{"type": "consume", "isAllowed": True}]}]},
        {"id": 12, "name": "payments readers", "resources": {"topic": {"values": ["payments"]}},
         "policyItems": [{"users": ["bob"], "accesses": [{"type": "consume", "isAllowed": True}]}]},
        {"id": 13, "name": "ledger is visible to bob", "resources": {"topic": {"values": ["ledger"]}},
         "policyItems": [{"users": ["bob"], "accesses": [{"type": "describe", "isAllowed": True}]}]},
    ],
}


@pytest.fixture
def authz(tmp_path):
    policy_dir = tmp_path / "policies"
    policy_dir.mkdir()
    (policy_dir / "kafka.json").write_text(json.dumps(POLICIES))
    b = security_broker(tmp_path, [("SASL_PLAINTEXT", "SASL_PLAINTEXT")], {
        "sasl.enabled.mechanisms": MECH,
        "super.users": "User:admin",
        "bulwark.policy.dir": str(policy_dir),
        "bulwark.policy.reload.interval.ms": "100",
        "auto.create.topics.enable": "true",
    })
    add_user(b.data_dir / "data", "admin", ADMIN_PASSWORD, MECH)
    add_user(b.data_dir / "data", "bob", PASSWORDS["bob"], MECH)
    b.policy_dir = policy_dir
    b.start()
    admin = admin_client(b)
    from confluent_kafka.admin import NewTopic
    futures = admin.create_topics([NewTopic(t, num_partitions=1, replication_factor=1) for t in ("orders", "payments")])
    for f in futures.values():
        f.result(timeout=20)
    yield b
    code = b.stop()
    assert code == 0, f"bulwark exited {code}:\n{b.output()[-3000:]}"


def conf(broker, user, **extra):
    password = ADMIN_PASSWORD if user == "admin" else PASSWORDS[user]
    c = {"bootstrap.servers": broker.bootstrap, "security.protocol": "SASL_PLAINTEXT", "sasl.mechanisms": MECH,
         "sasl.username": user, "sasl.password": password}
    c.update(extra)
    return c


def admin_client(broker, user="admin"):
    from confluent_kafka.admin import AdminClient
    return AdminClient(conf(broker, user))


def kcat(broker, user, *args, stdin=None):
    import subprocess
    password = ADMIN_PASSWORD if user == "admin" else PASSWORDS[user]
    return subprocess.run(["kcat", "-b", broker.bootstrap, "-X", "security.protocol=SASL_PLAINTEXT",
                           "-X", f"sasl.mechanisms={MECH}", "-X", f"sasl.username={user}",
                           "-X", f"sasl.password={password}", *args],
                          input=stdin, capture_output=True, text=True, timeout=30)


def produce(producer, topic, value):
    """Produces one record and returns the delivery error (None when it was written)."""
    result = []
    producer.produce(topic, value=value, on_delivery=lambda err, msg: result.append(err))
    producer.flush(15)
    assert len(result) == 1, "no delivery report"
    return result[0]


def test_kcat_publish_allowed_and_denied(authz):
    r = kcat(authz, "alice", "-P", "-t", "orders", stdin="o-1\no-2\n")
    assert r.returncode == 0, r.stderr
    r = kcat(authz, "alice", "-C", "-t", "orders", "-o", "beginning", "-e", "-q")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["o-1", "o-2"]
    r = kcat(authz, "bob", "-P", "-t", "orders", stdin="b-1\n")
    assert "Topic authorization failed" in r.stderr, r.stderr
    # Nothing of bob's reached the log.
    r = kcat(authz, "alice", "-C", "-t", "orders", "-o", "beginning", "-e", "-q")
    assert r.stdout.splitlines() == ["o-1", "o-2"]


def test_metadata_hides_undescribable_topics(authz):
    r = kcat(authz, "bob", "-L", "-J")
    assert r.returncode == 0, r.stderr
    assert sorted(t["topic"] for t in json.loads(r.stdout)["topics"]) == ["payments"]
    r = kcat(authz, "alice", "-L", "-J")
    assert sorted(t["topic"] for t in json.loads(r.stdout)["topics"]) == ["orders"]
    r = kcat(authz, "admin", "-L", "-J")
    # The super user also sees the audit log's internal topic.
    assert sorted(t["topic"] for t in json.loads(r.stdout)["topics"]) == ["__bulwark_audit", "orders", "payments"]


def test_named_unauthorized_topic_is_29_whether_or_not_it_exists(authz):
    from confluent_kafka import KafkaError
    admin = admin_client(authz, "bob")
    for name in ("orders", "no-such-topic"):
        topic = admin.list_topics(topic=name, timeout=10).topics[name]
        assert topic.error is not None and topic.error.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED, (name, topic.error)
        assert topic.partitions == {}
    payments = admin.list_topics(topic="payments", timeout=10).topics["payments"]
    assert payments.error is None and list(payments.partitions) == [0]


def test_confluent_denied_publish_and_group(authz):
    from confluent_kafka import Consumer, KafkaError, Producer
    bob = Producer(conf(authz, "bob", **{"message.timeout.ms": 10000}))
    err = produce(bob, "orders", b"x")
    assert err is not None and err.code() == KafkaError.TOPIC_AUTHORIZATION_FAILED
    # bob may read payments but may not use any group: the coordinator lookup fails with 30.
    consumer = Consumer(conf(authz, "bob", **{"group.id": "g-bob", "auto.offset.reset": "earliest"}))
    consumer.subscribe(["payments"])
    try:
        codes = set()
        deadline = time.time() + 15
        while time.time() < deadline and KafkaError.GROUP_AUTHORIZATION_FAILED not in codes:
            msg = consumer.poll(0.5)
            if msg is not None and msg.error():
                codes.add(msg.error().code())
        assert KafkaError.GROUP_AUTHORIZATION_FAILED in codes, codes
    finally:
        consumer.close()


def test_consumer_group_allowed_for_alice(authz):
    from confluent_kafka import Consumer, Producer
    alice = Producer(conf(authz, "alice"))
    assert produce(alice, "orders", b"for-alice") is None
    consumer = Consumer(conf(authz, "alice", **{"group.id": "g-alice", "auto.offset.reset": "earliest"}))
    consumer.subscribe(["orders"])
    try:
        got = None
        deadline = time.time() + 20
        while got is None and time.time() < deadline:
            msg = consumer.poll(0.5)
            if msg is not None and not msg.error():
                got = msg.value()
        assert got == b"for-alice"
        consumer.commit(asynchronous=False)
    finally:
        consumer.close()


def test_denied_admin_call_is_cluster_authorization_failed(authz):
    from confluent_kafka import KafkaError, KafkaException
    from confluent_kafka.admin import AclBinding, AclOperation, AclPermissionType, ResourcePatternType, ResourceType
    binding = AclBinding(ResourceType.TOPIC, "orders", ResourcePatternType.LITERAL, "User:bob", "*",
                         AclOperation.WRITE, AclPermissionType.ALLOW)
    bob = admin_client(authz, "bob")  # kept alive until the results arrive
    with pytest.raises(KafkaException) as info:
        bob.create_acls([binding])[binding].result(timeout=20)
    assert info.value.args[0].code() == KafkaError.CLUSTER_AUTHORIZATION_FAILED
    # CreateTopics without CREATE is per-topic TOPIC_AUTHORIZATION_FAILED.
    from confluent_kafka.admin import NewTopic
    with pytest.raises(KafkaException) as info:
        bob.create_topics([NewTopic("bobs", num_partitions=1, replication_factor=1)])["bobs"].result(timeout=20)
    assert info.value.args[0].code() == KafkaError.TOPIC_AUTHORIZATION_FAILED


def test_acl_created_through_admin_client_takes_effect(authz):
    from confluent_kafka import KafkaError, Producer
    from confluent_kafka.admin import (AclBinding, AclBindingFilter, AclOperation, AclPermissionType,
                                       ResourcePatternType, ResourceType)
    bob = Producer(conf(authz, "bob", **{"message.timeout.ms": 10000}))
    assert produce(bob, "payments", b"before").code() == KafkaError.TOPIC_AUTHORIZATION_FAILED
    admin = admin_client(authz)
    binding = AclBinding(ResourceType.TOPIC, "pay", ResourcePatternType.PREFIXED, "User:bob", "*",
                         AclOperation.WRITE, AclPermissionType.ALLOW)
    assert admin.create_acls([binding])[binding].result(timeout=20) is None
    # A new producer: the old one keeps its cached "unauthorized" metadata for the topic.
    bob = Producer(conf(authz, "bob", **{"message.timeout.ms": 10000}))
    assert produce(bob, "payments", b"after") is None
    described = admin.describe_acls(AclBindingFilter(ResourceType.ANY, None, ResourcePatternType.ANY, None, None,
                                                     AclOperation.ANY, AclPermissionType.ANY)).result(timeout=20)
    assert described == [binding]
    deleted = admin.delete_acls([AclBindingFilter(ResourceType.TOPIC, "pay", ResourcePatternType.PREFIXED, "User:bob",
                                                  None, AclOperation.ANY, AclPermissionType.ANY)])
    assert list(deleted.values())[0].result(timeout=20) == [binding]
    assert produce(bob, "payments", b"again").code() == KafkaError.TOPIC_AUTHORIZATION_FAILED
    assert (authz.data_dir / "data" / "meta" / "acls.json").exists()


def test_hot_reload_flips_a_decision_mid_session_and_bad_files_are_rejected(authz):
    from confluent_kafka import KafkaError, Producer
    bob = Producer(conf(authz, "bob", **{"message.timeout.ms": 10000}))
    assert produce(bob, "orders", b"denied").code() == KafkaError.TOPIC_AUTHORIZATION_FAILED
    grant = json.loads(json.dumps(POLICIES))
    grant["policies"][0]["policyItems"].append({"users": ["bob"], "accesses": [{"type": "publish", "isAllowed": True}]})
    tmp = authz.policy_dir / ".kafka.json.tmp"
    tmp.write_text(json.dumps(grant))
    tmp.rename(authz.policy_dir / "kafka.json")
    time.sleep(1.0)  # the broker polls every 100 ms; a change must be in force within a second
    assert produce(bob, "orders", b"allowed") is None
    # The reload is audited with the files in force before and after (name and SHA-256).
    import hashlib
    reloads = [e for e in audit_query(authz, "--kind", "lifecycle") if e.get("action") == "reload-policies"]
    digest = hashlib.sha256((authz.policy_dir / "kafka.json").read_bytes()).hexdigest()
    assert reloads[-1]["after"] == f"version=2\nkafka.json sha256={digest}", reloads[-1]
    assert reloads[-1]["before"].startswith("version=1\nkafka.json sha256=") and digest not in reloads[-1]["before"]
    # A broken file is rejected with a precise error; the previous policies stay in force.
    (authz.policy_dir / "broken.json").write_text('{"policies": [{"id": 99, "resources": {"topic": {"values": ["x"]}}, ')
    time.sleep(1.0)
    assert produce(bob, "orders", b"still-allowed") is None
    assert "policy reload rejected" in authz.output()
    assert "broken.json" in authz.output()
    # ACL changes still work: they rebuild from the policies in force, not the broken file.
    from confluent_kafka.admin import AclBinding, AclOperation, AclPermissionType, ResourcePatternType, ResourceType
    binding = AclBinding(ResourceType.TOPIC, "payments", ResourcePatternType.LITERAL, "User:bob", "*",
                         AclOperation.WRITE, AclPermissionType.ALLOW)
    admin = admin_client(authz)
    assert admin.create_acls([binding])[binding].result(timeout=20) is None
    assert produce(Producer(conf(authz, "bob", **{"message.timeout.ms": 10000})), "payments", b"acl") is None


def audit_query(broker, *args):
    import subprocess
    from broker import BINARY
    r = subprocess.run([str(BINARY), "audit", "query", "--data-dir", str(broker.data_dir / "data"), "--format", "json",
                        *args], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]


def test_denied_consume_and_admin_changes_are_in_the_audit_log(authz):
    from confluent_kafka.admin import NewTopic
    admin = admin_client(authz)
    admin.create_topics([NewTopic("ledger", num_partitions=1, replication_factor=1)])["ledger"].result(timeout=20)
    # bob may describe ledger but not consume it: kcat's simple consumer (no group) gets
    # the metadata, then its Fetch is denied.
    r = kcat(authz, "bob", "-C", "-t", "ledger", "-p", "0", "-o", "beginning", "-e")
    assert "Topic authorization failed" in r.stderr, r.stderr
    # The denial was persisted before the Fetch was answered, so it is there at once.
    denied = audit_query(authz, "--result", "denied", "--principal", "bob", "--resource", "topic:ledger")
    fetches = [e for e in denied if e["api"] == "Fetch"]
    assert fetches, denied
    e = fetches[0]
    assert (e["kind"], e["result"], e["principal"], e["resource_type"], e["resource_name"], e["access"]) == \
        ("authorization", "denied", "User:bob", "topic", "ledger", "consume")
    assert e["client_address"] == "127.0.0.1" and e["listener"] == "SASL_PLAINTEXT"
    assert "default deny" in e["reason"]
    # alice's allowed events are there too, and no denial of hers.
    assert audit_query(authz, "--result", "denied", "--principal", "alice") == []
    # The topics the fixture created are admin events by admin, with what was created.
    created = audit_query(authz, "--kind", "admin", "--principal", "admin")
    assert sorted((e["action"], e["resource_name"], e.get("after")) for e in created) == \
        [("create-topic", "ledger", "partitions=1"), ("create-topic", "orders", "partitions=1"),
         ("create-topic", "payments", "partitions=1")]


def test_authorized_operations_bit_fields(authz):
    """DescribeTopics / DescribeCluster with include_authorized_operations report exactly what
    the policies grant (publish and consume imply describe), unaudited preview of rights."""
    from confluent_kafka import TopicCollection
    from confluent_kafka.admin import AclOperation
    alice = admin_client(authz, "alice")
    [orders] = [f.result(timeout=20) for f in alice.describe_topics(
        TopicCollection(["orders"]), include_authorized_operations=True).values()]
    assert sorted(op.name for op in orders.authorized_operations) == ["DESCRIBE", "READ", "WRITE"]
    bob = admin_client(authz, "bob")
    [payments] = [f.result(timeout=20) for f in bob.describe_topics(
        TopicCollection(["payments"]), include_authorized_operations=True).values()]
    assert sorted(op.name for op in payments.authorized_operations) == ["DESCRIBE", "READ"]
    cluster = alice.describe_cluster(include_authorized_operations=True).result(timeout=20)
    # Only the KIP-679 rule: alice may publish to a topic, so she may write idempotently.
    assert [op.name for op in cluster.authorized_operations] == ["IDEMPOTENT_WRITE"]
    admin = admin_client(authz)  # held: a collected client cancels its futures
    everything = admin.describe_cluster(include_authorized_operations=True).result(timeout=20)
    assert sorted(op.name for op in everything.authorized_operations) == sorted(
        ["CREATE", "CLUSTER_ACTION", "DESCRIBE_CONFIGS", "ALTER_CONFIGS", "IDEMPOTENT_WRITE", "ALTER", "DESCRIBE"])
    assert AclOperation.ALL not in everything.authorized_operations
    # A group: alice consumes in g-*, which implies describe; she may not delete it.
    [group] = [f.result(timeout=20) for f in alice.describe_consumer_groups(
        ["g-ops"], include_authorized_operations=True).values()]
    assert sorted(op.name for op in group.authorized_operations) == ["DESCRIBE", "READ"]


def test_groups_from_the_operating_system(tmp_path):
    """With bulwark.policy.groups.os=true a policy on an OS group applies to its members:
    `daemon` (a Debian system user) gets its groups from NSS, bob (no such OS user) none."""
    import subprocess
    group = subprocess.run(["id", "-gn", "daemon"], capture_output=True, text=True, check=True).stdout.strip()
    policy_dir = tmp_path / "policies"
    policy_dir.mkdir()
    (policy_dir / "kafka.json").write_text(json.dumps({"serviceName": "kafka", "policies": [
        {"id": 1, "name": "by OS group", "resources": {"topic": {"values": ["os-*"]}},
         "policyItems": [{"groups": [group], "accesses": [{"type": "publish", "isAllowed": True},
                                                          {"type": "consume", "isAllowed": True},
                                                          {"type": "create", "isAllowed": True}]}]}]}))
    b = security_broker(tmp_path, [("SASL_PLAINTEXT", "SASL_PLAINTEXT")], {
        "sasl.enabled.mechanisms": MECH, "bulwark.policy.dir": str(policy_dir),
        "bulwark.policy.groups.os": "true", "auto.create.topics.enable": "true",
    })
    add_user(b.data_dir / "data", "daemon", "daemon-Pa55-word-5e1d", MECH)
    PASSWORDS["daemon"] = "daemon-Pa55-word-5e1d"
    b.start()
    try:
        r = kcat(b, "daemon", "-P", "-t", "os-topic", stdin="d-1\n")
        assert r.returncode == 0, r.stderr
        r = kcat(b, "daemon", "-C", "-t", "os-topic", "-o", "beginning", "-e", "-q")
        assert r.stdout.splitlines() == ["d-1"], r.stderr
        r = kcat(b, "bob", "-P", "-t", "os-topic", stdin="b-1\n")
        assert "Topic authorization failed" in r.stderr, r.stderr
    finally:
        del PASSWORDS["daemon"]
        assert b.stop() == 0, b.output()[-3000:]


def test_tag_policy_denies_a_tagged_topic_after_reload(authz):
    """A tags file (Ranger ServiceTags) marks `orders` PII and a tag policy denies PII to
    everyone outside `privacy`: alice's resource-policy allow no longer counts."""
    r = kcat(authz, "alice", "-P", "-t", "orders", stdin="t-1\n")
    assert r.returncode == 0, r.stderr
    (authz.policy_dir / "tag-policies.json").write_text(json.dumps({"serviceName": "kafka", "policies": [], "tagPolicies": {
        "serviceName": "tags", "policies": [
            {"id": 900, "name": "PII", "resources": {"tag": {"values": ["PII"]}},
             "denyPolicyItems": [{"groups": ["public"], "accesses": [{"type": "kafka:publish", "isAllowed": True}]}],
             "denyExceptions": [{"groups": ["privacy"], "accesses": [{"type": "kafka:publish", "isAllowed": True}]}]}]}}))
    (authz.policy_dir / "tags.json").write_text(json.dumps({
        "tags": {"1": {"type": "PII"}},
        "serviceResources": [{"id": 1, "resourceElements": {"topic": {"values": ["orders"]}}}],
        "resourceToTagIds": {"1": [1]}}))
    time.sleep(1.0)
    r = kcat(authz, "alice", "-P", "-t", "orders", stdin="t-2\n")
    assert "Topic authorization failed" in r.stderr, r.stderr
    # As in Ranger, a deny item's access implies its implied grants: denying publish also
    # denies describe, so alice cannot even look the topic up to consume it.
    r = kcat(authz, "alice", "-C", "-t", "orders", "-o", "beginning", "-e", "-q")
    assert "Topic authorization failed" in r.stderr and r.stdout == "", r.stderr
    # Removing the tag restores her access at the next reload.
    (authz.policy_dir / "tags.json").unlink()
    time.sleep(1.0)
    r = kcat(authz, "alice", "-C", "-t", "orders", "-o", "beginning", "-e", "-q")
    assert r.stdout.splitlines() == ["t-1"], r.stderr
