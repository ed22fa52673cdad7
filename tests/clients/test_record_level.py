"""Record-level access (issue 7) with real clients: row filters and data masks on Fetch,
produce rules on Produce, against the real broker over SASL_PLAINTEXT/SCRAM.

admin (super user) writes every record; alice (region eu) reads only records whose `region`
header is her region and whose amount is under 10000, with the card showing its last 4
and the `user` header masked; bob reads everything as stored; carol may only publish
records carrying `tenant: acme` and a JSON `id`. Consumers: confluent-kafka (CRC checks on)
and kafka-python, for every compression codec."""
import json
import time

import pytest

from security import PASSWORDS, add_user, security_broker

MECH = "SCRAM-SHA-256"
ADMIN_PASSWORD = "admin-Pa55-word-0b7e"
CAROL_PASSWORD = "carol-Pa55-word-5e21"
CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]

POLICIES = {
    "serviceName": "kafka",
    "policies": [
        {"id": 10, "name": "readers", "resources": {"topic": {"values": ["orders*"]}},
         "policyItems": [{"users": ["alice", "bob"], "accesses": [{"type": "consume", "isAllowed": True}]},
                         {"users": ["carol"], "accesses": [{"type": "publish", "isAllowed": True}]}]},
        {"id": 11, "name": "groups", "resources": {"consumergroup": {"values": ["*"]}},
         "policyItems": [{"users": ["alice", "bob"], "accesses": [{"type": "consume", "isAllowed": True}]}]},
        {"id": 20, "policyType": 2, "name": "regions", "resources": {"topic": {"values": ["orders*"]}},
         "rowFilterPolicyItems": [
             {"users": ["alice"], "accesses": [{"type": "consume", "isAllowed": True}],
              "rowFilterInfo": {"filterExpr": "headers['region'] == '${{USER.region}}' and value.amount < 10000"}},
             {"users": ["carol"], "accesses": [{"type": "publish", "isAllowed": True}],
              "rowFilterInfo": {"filterExpr": "headers['tenant'] == 'acme' and exists(value.id)"}}]},
        {"id": 21, "policyType": 1, "name": "card", "resources": {"topic": {"values": ["orders*"]}, "field": {"values": ["value.card"]}},
         "dataMaskPolicyItems": [{"users": ["alice"], "accesses": [{"type": "consume", "isAllowed": True}],
                                  "dataMaskInfo": {"dataMaskType": "MASK_SHOW_LAST_4"}}]},
        {"id": 22, "policyType": 1, "name": "user header", "resources": {"topic": {"values": ["orders*"]}, "field": {"values": ["headers['user']"]}},
         "dataMaskPolicyItems": [{"users": ["alice"], "accesses": [{"type": "consume", "isAllowed": True}],
                                  "dataMaskInfo": {"dataMaskType": "MASK"}}]},
    ],
}
PRINCIPALS = {"superUsers": ["admin"], "userAttributes": {"alice": {"region": "eu"}}}

# (key, headers, value) — offsets 0..4 in one batch, 5..6 in a second batch alice sees nothing of.
FIRST_BATCH = [
    (b"k0", [("region", b"eu"), ("user", b"Ann")], b'{"id": 0, "amount": 50, "card": "4111111111111111"}'),
    (b"k1", [("region", b"us"), ("user", b"Bob")], b'{"id": 1, "amount": 60, "card": "5500000000000004"}'),
    (b"k2", [("region", b"eu")], b'{"id": 2, "amount": 20000, "card": "4000000000000002"}'),
    (b"k3", [("region", b"us")], b"not json at all"),
    (b"k4", [("region", b"eu")], b'{"id":4,"amount":9999,"card":12345678,"note":"caf\\u00e9"}'),
]
SECOND_BATCH = [
    (b"k5", [("region", b"us")], b'{"id": 5, "amount": 1}'),
    (b"k6", [("region", b"apac")], b'{"id": 6, "amount": 2}'),
]
ALICE_SEES = [
    (0, b"k0", [("region", b"eu"), ("user", b"Xxx")], b'{"id": 0, "amount": 50, "card": "xxxxxxxxxxxx1111"}'),
    (4, b"k4", [("region", b"eu")], b'{"id":4,"amount":9999,"card":11115678,"note":"caf\\u00e9"}'),
]


@pytest.fixture(scope="module")
def rl(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("record-level")
    policy_dir = tmp_path / "policies"
    policy_dir.mkdir()
    (policy_dir / "kafka.json").write_text(json.dumps(POLICIES))
    (policy_dir / "principals.json").write_text(json.dumps(PRINCIPALS))
    b = security_broker(tmp_path, [("SASL_PLAINTEXT", "SASL_PLAINTEXT")], {
        "sasl.enabled.mechanisms": MECH,
        "bulwark.policy.dir": str(policy_dir),
        "auto.create.topics.enable": "false",
    })
    add_user(b.data_dir / "data", "admin", ADMIN_PASSWORD, MECH)
    add_user(b.data_dir / "data", "carol", CAROL_PASSWORD, MECH)
    b.start()
    yield b
    code = b.stop()
    assert code == 0, f"bulwark exited {code}:\n{b.output()[-3000:]}"


def password(user):
    return {"admin": ADMIN_PASSWORD, "carol": CAROL_PASSWORD}.get(user) or PASSWORDS[user]


def conf(broker, user, **extra):
    c = {"bootstrap.servers": broker.bootstrap, "security.protocol": "SASL_PLAINTEXT", "sasl.mechanisms": MECH,
         "sasl.username": user, "sasl.password": password(user)}
    c.update(extra)
    return c


def create_topic(broker, name):
    from confluent_kafka.admin import AdminClient, NewTopic
    admin = AdminClient(conf(broker, "admin"))
    admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1)])[name].result(timeout=20)


def produce_batches(broker, topic, codec, batches):
    """Each list of records goes out as one batch (linger, then flush) with `codec`."""
    from confluent_kafka import Producer
    p = Producer(conf(broker, "admin", **{"compression.type": codec, "linger.ms": 1000, "batch.num.messages": 1000}))
    errors = []
    for records in batches:
        for key, headers, value in records:
            p.produce(topic, key=key, value=value, headers=headers, on_delivery=lambda err, msg: errors.append(err))
        p.flush(20)
    assert errors == [None] * sum(len(b) for b in batches), errors


def confluent_read(broker, user, topic, end, group, count):
    """Reads from the beginning until `count` records arrived and librdkafka's fetch
    position (statistics `next_offset`) reached `end` — it moves past empty batches by
    their last offset (KAFKA-5443), while its application position stays after the last
    delivered record, as after compaction. Returns the records and the committed offset."""
    from confluent_kafka import Consumer, TopicPartition
    stats = {}

    def on_stats(text):
        partition = json.loads(text).get("topics", {}).get(topic, {}).get("partitions", {}).get("0")
        if partition:
            stats["next"] = partition.get("next_offset")

    c = Consumer(conf(broker, user, **{"group.id": group, "auto.offset.reset": "earliest", "enable.auto.commit": False,
                                       "check.crcs": True, "statistics.interval.ms": 100, "stats_cb": on_stats}))
    c.assign([TopicPartition(topic, 0, 0)])
    got = []
    try:
        deadline = time.time() + 30
        while time.time() < deadline and (len(got) < count or stats.get("next", -1) < end):
            msg = c.poll(0.1)
            if msg is not None:
                assert not msg.error(), msg.error()
                got.append((msg.offset(), msg.key(), list(msg.headers() or []), msg.value()))
        assert stats.get("next") == end, f"{user}'s fetch position stalled at {stats.get('next')} of {end}, got {got}"
        position = c.position([TopicPartition(topic, 0)])[0].offset
        assert position == (got[-1][0] + 1 if got else -1001)  # librdkafka: after the last delivered record
        if got:
            c.commit(offsets=[TopicPartition(topic, 0, position)], asynchronous=False)
        committed = c.committed([TopicPartition(topic, 0)], timeout=10)[0].offset
        assert c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10) == (0, end)
        return got, committed
    finally:
        c.close()


def kafka_python_read(broker, user, topic, end, group):
    from kafka import KafkaConsumer, TopicPartition
    c = KafkaConsumer(bootstrap_servers=broker.bootstrap, security_protocol="SASL_PLAINTEXT", sasl_mechanism=MECH,
                      sasl_plain_username=user, sasl_plain_password=password(user), group_id=group,
                      auto_offset_reset="earliest", enable_auto_commit=False, check_crcs=True)
    tp = TopicPartition(topic, 0)
    c.assign([tp])
    c.seek(tp, 0)
    got = []
    try:
        deadline = time.time() + 30
        while time.time() < deadline and c.position(tp) < end:
            for records in c.poll(timeout_ms=200).values():
                for r in records:
                    got.append((r.offset, r.key, [(k, v) for k, v in r.headers], r.value))
        assert c.position(tp) == end, f"{user} stalled at {c.position(tp)} of {end}, got {got}"
        c.commit({tp: __import__("kafka").OffsetAndMetadata(end, None, -1)})
        assert c.committed(tp) == end
        return got
    finally:
        c.close()


@pytest.mark.parametrize("codec", CODECS)
def test_two_consumers_see_different_records(rl, codec):
    topic = f"orders-{codec}"
    create_topic(rl, topic)
    produce_batches(rl, topic, codec, [FIRST_BATCH, SECOND_BATCH])
    end = len(FIRST_BATCH) + len(SECOND_BATCH)

    alice, committed = confluent_read(rl, "alice", topic, end, f"g-alice-{codec}", len(ALICE_SEES))
    assert alice == ALICE_SEES
    assert committed == ALICE_SEES[-1][0] + 1
    assert kafka_python_read(rl, "alice", topic, end, f"g-alice-kp-{codec}") == ALICE_SEES

    everything = [(i, k, h, v) for i, (k, h, v) in enumerate(FIRST_BATCH + SECOND_BATCH)]
    bob, committed = confluent_read(rl, "bob", topic, end, f"g-bob-{codec}", len(everything))
    assert bob == everything and committed == end
    assert kafka_python_read(rl, "bob", topic, end, f"g-bob-kp-{codec}") == everything


def test_empty_after_filtering_does_not_stall(rl):
    topic = "orders-empty"
    create_topic(rl, topic)
    produce_batches(rl, topic, "lz4", [SECOND_BATCH, SECOND_BATCH])
    assert confluent_read(rl, "alice", topic, 4, "g-empty", 0)[0] == []
    assert kafka_python_read(rl, "alice", topic, 4, "g-empty-kp") == []
    # A record alice may see, after nothing but filtered ones, arrives at its own offset.
    produce_batches(rl, topic, "lz4", [[FIRST_BATCH[0]]])
    assert confluent_read(rl, "alice", topic, 5, "g-empty-2", 1)[0] == [(4,) + ALICE_SEES[0][1:]]
    assert kafka_python_read(rl, "alice", topic, 5, "g-empty-kp-2") == [(4,) + ALICE_SEES[0][1:]]


def test_produce_rule_rejects_whole_batch(rl):
    from confluent_kafka import KafkaError, Producer
    topic = "orders-produce"
    create_topic(rl, topic)
    carol = Producer(conf(rl, "carol", **{"linger.ms": 500, "enable.idempotence": False, "retries": 0,
                                          "message.timeout.ms": 10000}))
    results = []
    good = ([("tenant", b"acme")], b'{"id": 1}')
    bad = ([("tenant", b"other")], b'{"id": 2}')
    for headers, value in [good, bad, good]:
        carol.produce(topic, value=value, headers=headers, on_delivery=lambda err, msg: results.append(err))
    carol.flush(15)
    assert len(results) == 3
    assert all(e is not None and e.code() == KafkaError.INVALID_RECORD for e in results), results
    # Nothing of the batch was appended.
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer(conf(rl, "admin", **{"group.id": "g-check"}))
    assert c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10) == (0, 0)
    # A batch that satisfies the rule is appended.
    results.clear()
    for headers, value in [good, good]:
        carol.produce(topic, value=value, headers=headers, on_delivery=lambda err, msg: results.append(err))
    carol.flush(15)
    assert results == [None, None]
    assert c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10) == (0, 2)
    c.close()


def test_produce_rule_record_errors_with_kafka_python(rl):
    from kafka import KafkaProducer
    from kafka.errors import InvalidRecordError
    topic = "orders-produce-kp"
    create_topic(rl, topic)
    p = KafkaProducer(bootstrap_servers=rl.bootstrap, security_protocol="SASL_PLAINTEXT", sasl_mechanism=MECH,
                      sasl_plain_username="carol", sasl_plain_password=CAROL_PASSWORD, retries=0, linger_ms=200,
                      enable_idempotence=False)
    futures = [p.send(topic, value=b'{"name": "no id"}', headers=[("tenant", b"acme")])]
    with pytest.raises(InvalidRecordError):
        futures[0].get(timeout=15)
    p.close()


def test_policy_eval_answers_row_filter_and_data_mask(tmp_path):
    import subprocess
    from broker import BINARY
    (tmp_path / "kafka.json").write_text(json.dumps(POLICIES))
    def req(user, elements, access, policy_type):
        return json.dumps({"resource": {"elements": elements}, "accessType": access, "user": user, "userGroups": [],
                           "policyType": policy_type})
    lines = [
        req("alice", {"topic": "orders-x"}, "consume", 2),
        req("carol", {"topic": "orders-x"}, "publish", 2),
        req("bob", {"topic": "orders-x"}, "consume", 2),
        req("alice", {"topic": "orders-x", "field": "value.card"}, "consume", 1),
        req("alice", {"topic": "orders-x", "field": "value.other"}, "consume", 1),
    ]
    r = subprocess.run([str(BINARY), "policy", "eval", "--policies", str(tmp_path / "kafka.json")],
                       input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    out = [json.loads(line) for line in r.stdout.splitlines()]
    assert [(o["isAllowed"], o["policyId"]) for o in out] == [(True, 20), (True, 20), (False, -1), (True, 21), (False, -1)]
    assert out[0]["filterExpr"] == "headers['region'] == '${{USER.region}}' and value.amount < 10000"
    assert out[1]["filterExpr"] == "headers['tenant'] == 'acme' and exists(value.id)"
    assert out[3]["maskType"] == "MASK_SHOW_LAST_4"


def test_bad_record_rule_is_rejected_by_validate(tmp_path):
    import subprocess
    from broker import BINARY
    bad = json.loads(json.dumps(POLICIES))
    bad["policies"][2]["rowFilterPolicyItems"][0]["rowFilterInfo"]["filterExpr"] = "headers['region'] == "
    (tmp_path / "kafka.json").write_text(json.dumps(bad))
    r = subprocess.run([str(BINARY), "policy", "validate", str(tmp_path / "kafka.json")], capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert "record rule: expression ends too early" in r.stdout + r.stderr


def test_filtered_fetch_and_refused_produce_are_audited(rl):
    import subprocess
    from broker import BINARY
    topic = "orders-audited"
    create_topic(rl, topic)
    produce_batches(rl, topic, "gzip", [FIRST_BATCH])
    assert confluent_read(rl, "alice", topic, 5, "g-audit", 2)[0] == ALICE_SEES
    deadline = time.time() + 15
    events = []
    while time.time() < deadline and not events:
        r = subprocess.run([str(BINARY), "audit", "query", "--data-dir", str(rl.data_dir / "data"), "--format", "json",
                            "--kind", "recordSummary", "--resource", f"topic:{topic}"], capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        events = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
        time.sleep(0.2)
    assert events, "no record-level audit event"
    e = events[0]
    assert (e["principal"], e["action"], e["policy_id"], e["result"]) == ("User:alice", "fetch-record-level", "20", "allowed")
    assert e["reason"] == "records 5, returned 2, filtered 3 by policy 20, masked 2 (policy 21: 2, policy 22: 1)"

    from confluent_kafka import KafkaError, Producer
    carol = Producer(conf(rl, "carol", **{"enable.idempotence": False, "retries": 0, "message.timeout.ms": 10000}))
    results = []
    carol.produce(topic, value=b'{"no": "id"}', headers=[("tenant", b"acme")], on_delivery=lambda err, msg: results.append(err))
    carol.flush(15)
    assert results[0] is not None and results[0].code() == KafkaError.INVALID_RECORD
    r = subprocess.run([str(BINARY), "audit", "query", "--data-dir", str(rl.data_dir / "data"), "--format", "json",
                        "--kind", "recordSummary", "--resource", f"topic:{topic}", "--result", "denied"],
                       capture_output=True, text=True, timeout=30)
    denied = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
    assert [(d["principal"], d["action"], d["access"], d["policy_id"]) for d in denied] == [
        ("User:carol", "produce-record-level", "publish", "20")]
