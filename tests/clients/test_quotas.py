"""Client quotas against the real broker: kafka-python's protocol classes drive
DescribeClientQuotas / AlterClientQuotas (kafka-python 3.0 has the messages but no admin
method for them, confluent-kafka 2.16 and kcat have neither); confluent-kafka producers and
consumers observe throttling through `throttle_cb` and in how long they take."""
import json
import os
import stat
import time

import pytest
from kafka import KafkaAdminClient
from kafka.protocol.admin import (AlterClientQuotasRequest, AlterClientQuotasResponse,
                                  DescribeClientQuotasRequest)

from security import PASSWORDS, add_user, security_broker

INVALID_REQUEST = 42
CLUSTER_AUTHORIZATION_FAILED = 31
KIB = 1024


def kp_admin(broker, **extra):
    return KafkaAdminClient(bootstrap_servers=broker.bootstrap, request_timeout_ms=10000, **extra)


def call(admin, request):
    """Sends one request with kafka-python's connection manager (version negotiated from
    ApiVersions) and returns the decoded response."""
    async def send():
        return await admin._manager.send(request)
    return admin._manager.run(send)


def entity(**parts):
    """entity(user="alice", client_id=None) -> [("user", "alice"), ("client-id", None)]"""
    return [(k.replace("_", "-"), v) for k, v in parts.items()]


def alter(admin, entries, validate_only=False):
    E = AlterClientQuotasRequest.EntryData
    request = AlterClientQuotasRequest(entries=[
        E(entity=[E.EntityData(entity_type=t, entity_name=n) for t, n in ent],
          ops=[E.OpData(key=k, value=float(v if v is not None else 0), remove=v is None) for k, v in ops.items()])
        for ent, ops in entries], validate_only=validate_only)
    response = call(admin, request)
    return [(e.error_code, e.error_message, [(x.entity_type, x.entity_name) for x in e.entity]) for e in response.entries]


def describe(admin, components=(), strict=False):
    C = DescribeClientQuotasRequest.ComponentData
    response = call(admin, DescribeClientQuotasRequest(
        components=[C(entity_type=t, match_type=m, match=v) for t, m, v in components], strict=strict))
    if response.error_code:
        return response.error_code, response.error_message
    return {tuple((x.entity_type, x.entity_name) for x in e.entity): {v.key: v.value for v in e.values}
            for e in response.entries}


def test_alter_describe_validate_and_persist(broker):
    admin = kp_admin(broker)
    alice_default = entity(user="alice", client_id=None)
    results = alter(admin, [
        (alice_default, {"producer_byte_rate": 1048576, "consumer_byte_rate": 2 * 1048576}),
        (entity(client_id=None), {"consumer_byte_rate": 2048}),
        (entity(user=None), {"request_percentage": 25.5}),
        (entity(ip=None), {"connection_creation_rate": 10}),
        # Rejected, each on its own: unknown key, negative rate, fraction of a byte,
        # a key for another entity kind, ip mixed with user, an empty entity.
        (entity(user="bob"), {"produce_byte_rate": 1}),
        (entity(user="bob"), {"producer_byte_rate": -1}),
        (entity(user="bob"), {"producer_byte_rate": 1.5}),
        (entity(user="bob"), {"connection_creation_rate": 3}),
        (entity(ip="127.0.0.1", user="bob"), {"connection_creation_rate": 3}),
        ([], {"producer_byte_rate": 1}),
    ])
    assert [r[0] for r in results] == [0, 0, 0, 0] + [INVALID_REQUEST] * 6, results
    assert results[0][2] == [("user", "alice"), ("client-id", None)]
    assert "produce_byte_rate" in results[4][1]
    assert "non-negative" in results[5][1]
    everything = {
        (("user", "alice"), ("client-id", None)): {"producer_byte_rate": 1048576.0, "consumer_byte_rate": 2097152.0},
        (("client-id", None),): {"consumer_byte_rate": 2048.0},
        (("user", None),): {"request_percentage": 25.5},
        (("ip", None),): {"connection_creation_rate": 10.0},
    }
    assert describe(admin) == everything
    # Filters: exact name (non-strict takes entities with more parts), default, any, strict.
    assert describe(admin, [("user", 0, "alice")]) == {k: v for k, v in everything.items() if k[0] == ("user", "alice")}
    assert describe(admin, [("user", 0, "alice")], strict=True) == {}
    assert describe(admin, [("user", 1, None)], strict=True) == {(("user", None),): {"request_percentage": 25.5}}
    assert set(describe(admin, [("user", 2, None)])) == {(("user", "alice"), ("client-id", None)), (("user", None),)}
    assert describe(admin, [("client-id", 1, None)], strict=True) == {(("client-id", None),): {"consumer_byte_rate": 2048.0}}
    code, message = describe(admin, [("user", 0, None)])
    assert code == INVALID_REQUEST and "MATCH_TYPE_EXACT" in message
    assert describe(admin, [("topic", 2, None)])[0] == INVALID_REQUEST

    # validate_only checks but changes nothing.
    assert [r[0] for r in alter(admin, [(entity(user="carol"), {"producer_byte_rate": 100})], validate_only=True)] == [0]
    assert [r[0] for r in alter(admin, [(entity(user="carol"), {"producer_byte_rte": 100})], validate_only=True)] == [INVALID_REQUEST]
    assert describe(admin) == everything
    # Removing the last key removes the entity.
    assert [r[0] for r in alter(admin, [(entity(ip=None), {"connection_creation_rate": None})])] == [0]
    del everything[(("ip", None),)]
    assert describe(admin) == everything
    admin.close()

    stored = broker.data_dir / "data" / "meta" / "quotas.json"
    assert stat.S_IMODE(os.stat(stored).st_mode) == 0o600
    assert len(json.loads(stored.read_text())) == 3
    broker.restart()
    admin = kp_admin(broker)
    assert describe(admin) == everything
    admin.close()


def audit_admin_events(broker):
    import subprocess
    from broker import BINARY
    r = subprocess.run([str(BINARY), "audit", "query", "--data-dir", str(broker.data_dir / "data"), "--format", "json",
                        "--kind", "admin"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return [json.loads(line) for line in r.stdout.splitlines() if line.strip()]


MECH = "SCRAM-SHA-256"
ADMIN_PASSWORD = "admin-Pa55-word-q7c1"


@pytest.fixture
def secured(tmp_path):
    policy_dir = tmp_path / "policies"
    policy_dir.mkdir()
    (policy_dir / "kafka.json").write_text(json.dumps({"serviceName": "kafka", "policies": []}))
    b = security_broker(tmp_path, [("SASL_PLAINTEXT", "SASL_PLAINTEXT")], {
        "sasl.enabled.mechanisms": MECH, "super.users": "User:admin", "bulwark.policy.dir": str(policy_dir),
    })
    add_user(b.data_dir / "data", "admin", ADMIN_PASSWORD, MECH)
    b.start()
    yield b
    code = b.stop()
    assert code == 0, f"bulwark exited {code}:\n{b.output()[-3000:]}"


def sasl_admin(broker, user):
    password = ADMIN_PASSWORD if user == "admin" else PASSWORDS[user]
    return kp_admin(broker, security_protocol="SASL_PLAINTEXT", sasl_mechanism=MECH,
                    sasl_plain_username=user, sasl_plain_password=password)


def test_authorization_and_audit(secured):
    bob = sasl_admin(secured, "bob")
    assert alter(bob, [(entity(user="bob"), {"producer_byte_rate": 1 << 30})]) == \
        [(CLUSTER_AUTHORIZATION_FAILED, "Cluster authorization failed.", [("user", "bob")])]
    assert describe(bob) == (CLUSTER_AUTHORIZATION_FAILED, "Cluster authorization failed.")
    bob.close()
    admin = sasl_admin(secured, "admin")
    assert [r[0] for r in alter(admin, [(entity(user="bob"), {"producer_byte_rate": 4096})])] == [0]
    assert [r[0] for r in alter(admin, [(entity(user="bob"), {"producer_byte_rate": 8192, "consumer_byte_rate": 100})])] == [0]
    assert describe(admin) == {(("user", "bob"),): {"producer_byte_rate": 8192.0, "consumer_byte_rate": 100.0}}
    admin.close()
    events = [e for e in audit_admin_events(secured) if e["action"] == "alter-client-quotas"]
    assert [(e["principal"], e["resource_type"], e["resource_name"], e.get("before", ""), e.get("after", "")) for e in events] == [
        ("User:admin", "client-quota", "users/bob", "", "producer_byte_rate=4096"),
        ("User:admin", "client-quota", "users/bob", "producer_byte_rate=4096",
         "consumer_byte_rate=100,producer_byte_rate=8192"),
    ]


def set_quota(broker, client_id, key, value):
    admin = kp_admin(broker)
    assert [r[0] for r in alter(admin, [(entity(client_id=client_id), {key: value})])] == [0]
    admin.close()


def produce_2mib(broker, client_id, topic):
    """Sends 2 MiB in 16 KiB records; returns (seconds to deliver all, throttle times seen,
    in seconds as confluent-kafka's ThrottleEvent gives them)."""
    from confluent_kafka import Producer
    throttles = []
    producer = Producer({"bootstrap.servers": broker.bootstrap, "client.id": client_id, "linger.ms": 5,
                         "throttle_cb": lambda event: throttles.append(event.throttle_time)})
    delivered = []
    started = time.monotonic()
    for i in range(128):
        producer.produce(topic, value=bytes([i % 251]) * (16 * KIB), on_delivery=lambda err, msg: delivered.append(err))
        producer.poll(0)
    assert producer.flush(90) == 0
    took = time.monotonic() - started
    producer.poll(0.5)  # serve throttle callbacks still queued
    assert delivered == [None] * 128
    return took, throttles


def create_topic(broker, topic):
    from confluent_kafka.admin import AdminClient, NewTopic
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])[topic].result(timeout=20)


@pytest.fixture
def metered(tmp_path):
    """A broker with the admin listener, for /metrics."""
    from broker import Broker, free_port
    admin_port = free_port()
    b = Broker(tmp_path, {"bulwark.admin.listener": f"http://127.0.0.1:{admin_port}"}).start()
    b.admin_port = admin_port
    yield b
    code = b.stop()
    assert code == 0, f"bulwark exited {code}:\n{b.output()[-3000:]}"


def quota_metrics(broker):
    import re
    import urllib.request
    with urllib.request.urlopen(f"http://127.0.0.1:{broker.admin_port}/metrics", timeout=5) as r:
        body = r.read().decode()
    return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in body.splitlines()
            if re.match(r"bulwark_quota_throttle", line)}


def test_producer_byte_rate_throttles_the_producer(metered):
    broker = metered
    create_topic(broker, "q-produce")
    fast, fast_throttles = produce_2mib(broker, "fast-producer", "q-produce")
    assert fast_throttles == [] and fast < 5, fast
    set_quota(broker, "slow-producer", "producer_byte_rate", 100 * KIB)
    slow, throttles = produce_2mib(broker, "slow-producer", "q-produce")
    print(f"producer: unthrottled {fast:.2f} s, at 100 KiB/s {slow:.2f} s, throttles {throttles}")
    # 2 MiB at 100 KiB/s: the first ~1 MB fits the 10 s minimum window, the rest waits.
    assert slow >= 6, (slow, throttles)
    # confluent-kafka reports seconds; Kafka caps a throttle at the whole window (11 s).
    assert throttles and max(throttles) > 1.0, throttles
    assert all(t <= 11.0 for t in throttles), throttles
    # Each throttled Produce is counted once, with its throttle time in the histogram.
    throttled = len([t for t in throttles if t > 0])
    m = quota_metrics(broker)
    assert m['bulwark_quota_throttled_requests_total{quota_type="producer_byte_rate"}'] == throttled, m
    assert m['bulwark_quota_throttle_time_seconds_count{quota_type="producer_byte_rate"}'] == throttled, m
    assert not any("consumer_byte_rate" in k for k in m), m
    # An unlisted client id is still unthrottled.
    again, again_throttles = produce_2mib(broker, "another-producer", "q-produce")
    assert again_throttles == [] and again < 5, again


def consume_all(broker, client_id, topic, count):
    from confluent_kafka import Consumer
    throttles = []
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "client.id": client_id, "group.id": client_id,
                         "auto.offset.reset": "earliest", "enable.auto.commit": False,
                         "throttle_cb": lambda event: throttles.append(event.throttle_time)})
    consumer.subscribe([topic])
    got = 0
    started = None
    deadline = time.monotonic() + 90
    while got < count and time.monotonic() < deadline:
        msg = consumer.poll(0.5)
        if msg is None or msg.error():
            continue
        if started is None:
            started = time.monotonic()  # from the first record: group join is not the quota's doing
        got += 1
    took = time.monotonic() - started
    consumer.close()
    assert got == count
    return took, throttles


def test_consumer_byte_rate_throttles_the_consumer(broker):
    create_topic(broker, "q-fetch")
    produce_2mib(broker, "filler", "q-fetch")
    fast, fast_throttles = consume_all(broker, "fast-consumer", "q-fetch", 128)
    assert fast_throttles == [] and fast < 5, fast
    set_quota(broker, "slow-consumer", "consumer_byte_rate", 100 * KIB)
    slow, throttles = consume_all(broker, "slow-consumer", "q-fetch", 128)
    print(f"consumer: unthrottled {fast:.2f} s, at 100 KiB/s {slow:.2f} s, throttles {throttles}")
    assert slow >= 6, (slow, throttles)
    assert throttles and max(throttles) > 0.1 and all(t <= 11.0 for t in throttles), throttles
