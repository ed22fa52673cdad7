"""The audit log as the read-only internal topic `__bulwark_audit`, with kcat,
confluent-kafka and kafka-python over SASL_PLAINTEXT/SCRAM.

alice is the auditor (a policy grants her consume on `__bulwark_audit`); bob may describe
`ledger` but not consume it, and has no right on the audit topic; admin is a super user.
Offsets are audit sequence numbers; values are OCSF JSON; keys are principals."""
import json
import subprocess
import time

import pytest

from broker import BINARY
from security import PASSWORDS, add_user, security_broker
from test_broker_authorization import ADMIN_PASSWORD, MECH, admin_client, conf, kcat

TOPIC = "__bulwark_audit"

POLICIES = {
    "serviceName": "kafka",
    "policies": [
        {"id": 20, "name": "auditors", "resources": {"topic": {"values": [TOPIC]}},
         "policyItems": [{"users": ["alice"], "accesses": [{"type": "consume", "isAllowed": True}]}]},
        {"id": 21, "name": "auditor groups", "resources": {"consumergroup": {"values": ["audit-*"]}},
         "policyItems": [{"users": ["alice"], "accesses": [{"type": "consume", "isAllowed": True}]}]},
        {"id": 22, "name": "ledger is visible to bob", "resources": {"topic": {"values": ["ledger"]}},
         "policyItems": [{"users": ["bob"], "accesses": [{"type": "describe", "isAllowed": True}]}]},
    ],
}


@pytest.fixture
def audited(tmp_path):
    policy_dir = tmp_path / "policies"
    policy_dir.mkdir()
    (policy_dir / "kafka.json").write_text(json.dumps(POLICIES))
    b = security_broker(tmp_path, [("SASL_PLAINTEXT", "SASL_PLAINTEXT")], {
        "sasl.enabled.mechanisms": MECH,
        "super.users": "User:admin",
        "bulwark.policy.dir": str(policy_dir),
    })
    add_user(b.data_dir / "data", "admin", ADMIN_PASSWORD, MECH)
    add_user(b.data_dir / "data", "bob", PASSWORDS["bob"], MECH)
    b.start()
    from confluent_kafka.admin import NewTopic
    admin = admin_client(b)
    admin.create_topics([NewTopic("ledger", num_partitions=1, replication_factor=1)])["ledger"].result(timeout=20)
    # bob's denied consume: kcat gets the metadata (he may describe ledger), its Fetch is denied.
    r = kcat(b, "bob", "-C", "-t", "ledger", "-p", "0", "-o", "beginning", "-e")
    assert "Topic authorization failed" in r.stderr, r.stderr
    b.denied_at = int(time.time() * 1000)
    yield b
    code = b.stop()
    assert code == 0, f"bulwark exited {code}:\n{b.output()[-3000:]}"
    r = subprocess.run([str(BINARY), "audit", "verify", "--data-dir", str(b.data_dir / "data")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr


def is_bobs_denied_fetch(event):
    return (event.get("class_uid") == 6003 and event["status"] == "Failure"
            and event.get("actor", {}).get("user", {}).get("name") == "User:bob"
            and event["api"]["operation"] == "Fetch"
            and event.get("resources") == [{"type": "topic", "name": "ledger"}])


def test_kcat_consumes_ocsf_events_keyed_by_principal(audited):
    r = kcat(audited, "alice", "-C", "-t", TOPIC, "-o", "beginning", "-e", "-J")
    assert r.returncode == 0, r.stderr
    messages = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    assert messages, r.stderr
    # Offsets are the audit sequence numbers: increasing, from 1, each equal to the event's uid.
    offsets = [m["offset"] for m in messages]
    assert offsets == sorted(offsets) and offsets[0] >= 1
    for m in messages:
        assert int(json.loads(m["payload"])["metadata"]["uid"]) == m["offset"]
    denied = [m for m in messages if is_bobs_denied_fetch(json.loads(m["payload"]))]
    assert len(denied) == 1, [m["payload"] for m in messages]
    m = denied[0]
    event = json.loads(m["payload"])
    assert m["key"] == "User:bob"
    assert m["ts"] == event["time"] and m["ts"] <= audited.denied_at
    assert (event["class_uid"], event["activity_id"], event["status_id"], event["severity_id"]) == (6003, 2, 2, 3)
    assert event["src_endpoint"]["ip"] == "127.0.0.1" and event["dst_endpoint"] == {"svc_name": "SASL_PLAINTEXT"}
    assert "default deny" in event["status_detail"]
    # The same event as `bulwark audit query` shows it, under the same sequence number.
    r = subprocess.run([str(BINARY), "audit", "query", "--data-dir", str(audited.data_dir / "data"), "--format", "ocsf",
                        "--result", "denied", "--principal", "bob", "--api", "Fetch"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert [json.loads(line) for line in r.stdout.splitlines()] == [event]


def test_confluent_consumer_in_a_group_reads_the_same_events(audited):
    from confluent_kafka import Consumer, KafkaError
    consumer = Consumer(conf(audited, "alice", **{"group.id": "audit-siem", "auto.offset.reset": "earliest",
                                                 "enable.partition.eof": True}))
    consumer.subscribe([TOPIC])
    found, eof, deadline = [], False, time.time() + 30
    try:
        while not eof and time.time() < deadline:
            msg = consumer.poll(1.0)
            if msg is None:
                continue
            if msg.error():
                assert msg.error().code() == KafkaError._PARTITION_EOF, msg.error()
                eof = True
                continue
            event = json.loads(msg.value())
            if is_bobs_denied_fetch(event):
                found.append((msg.key(), msg.offset(), msg.timestamp()[1], event["time"], int(event["metadata"]["uid"])))
        consumer.commit(asynchronous=False)
        committed = consumer.committed([__import__("confluent_kafka").TopicPartition(TOPIC, 0)], timeout=10)[0].offset
    finally:
        consumer.close()
    assert eof
    assert len(found) == 1
    key, offset, ts, time_ms, uid = found[0]
    assert key == b"User:bob" and offset == uid and ts == time_ms
    # The group's position was committed past the denied event.
    assert committed > offset


def test_only_principals_with_the_right_see_or_read_it(audited):
    listing = lambda user: sorted(t["topic"] for t in json.loads(kcat(audited, user, "-L", "-J").stdout)["topics"])
    assert listing("bob") == ["ledger"]
    assert listing("alice") == [TOPIC]
    assert listing("admin") == [TOPIC, "ledger"]
    r = kcat(audited, "bob", "-C", "-t", TOPIC, "-p", "0", "-o", "beginning", "-e")
    assert "Topic authorization failed" in r.stderr, r.stderr
    # Metadata marks it internal (kafka-python exposes the flag).
    from kafka import KafkaAdminClient
    admin = KafkaAdminClient(bootstrap_servers=audited.bootstrap, security_protocol="SASL_PLAINTEXT",
                             sasl_mechanism=MECH, sasl_plain_username="alice", sasl_plain_password=PASSWORDS["alice"])
    try:
        [described] = admin.describe_topics([TOPIC])
    finally:
        admin.close()
    name = described["name"] if "name" in described else described["topic"]  # the key changed across versions
    assert (name, described["error_code"], described["is_internal"], len(described["partitions"])) == (TOPIC, 0, True, 1)


def test_nobody_writes_or_deletes_it(audited):
    from confluent_kafka import KafkaError, Producer, TopicPartition
    from confluent_kafka.admin import ConfigResource, NewPartitions, NewTopic

    def produce(user):
        result = []
        p = Producer(conf(audited, user, **{"message.timeout.ms": 10000}))
        p.produce(TOPIC, value=b"forged", on_delivery=lambda err, msg: result.append(err))
        p.flush(15)
        assert len(result) == 1
        return result[0]

    # Kafka's answer for appends to an internal topic (INVALID_TOPIC_EXCEPTION, 17), even to a
    # super user; without Write the authorizer answers first (29).
    assert produce("admin").code() == KafkaError.TOPIC_EXCEPTION
    assert produce("alice").code() == KafkaError.TOPIC_AUTHORIZATION_FAILED
    admin = admin_client(audited)

    def error_of(future):
        with pytest.raises(Exception) as info:
            future.result(timeout=20)
        return info.value.args[0].code()

    assert error_of(admin.delete_topics([TOPIC])[TOPIC]) == KafkaError.TOPIC_EXCEPTION
    assert error_of(admin.create_topics([NewTopic(TOPIC, num_partitions=1, replication_factor=1)])[TOPIC]) == \
        KafkaError.TOPIC_ALREADY_EXISTS
    assert error_of(admin.create_partitions([NewPartitions(TOPIC, 2)])[TOPIC]) == KafkaError.TOPIC_EXCEPTION
    resource = ConfigResource(ConfigResource.Type.TOPIC, TOPIC, set_config={"retention.ms": "1"})
    assert error_of(admin.alter_configs([resource])[resource]) == KafkaError.TOPIC_EXCEPTION
    tp = TopicPartition(TOPIC, 0, -1)
    [(_, future)] = admin.delete_records([tp]).items()
    assert error_of(future) == KafkaError.TOPIC_EXCEPTION
    # bob has no right on it at all: the authorizer answers first.
    bob = admin_client(audited, "bob")
    assert error_of(bob.delete_topics([TOPIC])[TOPIC]) == KafkaError.TOPIC_AUTHORIZATION_FAILED
    # Still all there, from sequence 1, with the forged value nowhere.
    r = kcat(audited, "admin", "-C", "-t", TOPIC, "-o", "beginning", "-e", "-J")
    messages = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    assert messages[0]["offset"] == 1
    assert not any("forged" in m["payload"] for m in messages)
    assert any(is_bobs_denied_fetch(json.loads(m["payload"])) for m in messages)


def test_without_an_authorizer_the_audit_topic_is_not_served(tmp_path):
    """Kafka without an authorizer lets everyone read everything; the audit log says who
    touched what, so without one the broker neither lists nor serves it."""
    from broker import Broker
    b = Broker(tmp_path).start()
    try:
        r = subprocess.run(["kcat", "-b", b.bootstrap, "-L", "-J"], capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        assert TOPIC not in [t["topic"] for t in json.loads(r.stdout)["topics"]]
        r = subprocess.run(["kcat", "-b", b.bootstrap, "-C", "-t", TOPIC, "-o", "beginning", "-e", "-q"],
                           capture_output=True, text=True, timeout=30)
        assert r.stdout == "" and "Unknown topic or partition" in r.stderr, r.stderr
        r = subprocess.run(["kcat", "-b", b.bootstrap, "-X", "message.timeout.ms=3000", "-P", "-t", TOPIC], input="x\n",
                           capture_output=True, text=True, timeout=30)
        # As for any topic the broker does not know (auto-create is off): never delivered.
        assert r.stderr == "% Delivery failed for message: Local: Message timed out\n", r.stderr
    finally:
        assert b.stop() == 0
