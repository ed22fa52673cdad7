"""confluent-kafka (librdkafka 2.16) against the real broker."""
import time

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic


def admin(broker):
    return AdminClient({"bootstrap.servers": broker.bootstrap})


def wait_all(futures, timeout=15):
    return {k: f.result(timeout=timeout) for k, f in futures.items()}


def test_admin_topics_and_configs(broker):
    a = admin(broker)
    wait_all(a.create_topics([NewTopic("adm-a", 3, 1, config={"retention.ms": "3600000"}), NewTopic("adm-b", 1, 1)]))
    md = a.list_topics(timeout=10)
    assert {"adm-a", "adm-b"} <= set(md.topics)
    assert len(md.topics["adm-a"].partitions) == 3
    # A second create of the same name is refused with TOPIC_ALREADY_EXISTS.
    f = a.create_topics([NewTopic("adm-a", 1, 1)])["adm-a"]
    try:
        f.result(timeout=10)
        raise AssertionError("duplicate create succeeded")
    except Exception as e:
        assert e.args[0].code() == KafkaError.TOPIC_ALREADY_EXISTS
    res = ConfigResource(ConfigResource.Type.TOPIC, "adm-a")
    configs = wait_all(a.describe_configs([res]))[res]
    assert configs["retention.ms"].value == "3600000"
    assert configs["segment.bytes"].value == "1073741824"
    wait_all(a.alter_configs([ConfigResource(ConfigResource.Type.TOPIC, "adm-a", set_config={"retention.ms": "7200000"})]))
    assert wait_all(a.describe_configs([res]))[res]["retention.ms"].value == "7200000"
    wait_all(a.create_partitions([NewPartitions("adm-b", 4)]))
    assert len(a.list_topics(timeout=10).topics["adm-b"].partitions) == 4
    wait_all(a.delete_topics(["adm-a"]))
    assert "adm-a" not in a.list_topics(timeout=10).topics


def test_idempotent_producer_and_exact_consumption(broker):
    a = admin(broker)
    wait_all(a.create_topics([NewTopic("idem", 2, 1)]))
    p = Producer({"bootstrap.servers": broker.bootstrap, "enable.idempotence": True, "linger.ms": 5,
                  "compression.type": "lz4"})
    errors = []
    for i in range(1000):
        p.produce("idem", key=f"k{i % 10}".encode(), value=f"v{i}".encode(), headers=[("n", str(i).encode())],
                  partition=i % 2, on_delivery=lambda err, msg: err and errors.append(err))
    assert p.flush(30) == 0
    assert errors == []
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "idem-reader", "auto.offset.reset": "earliest",
                  "enable.auto.commit": False})
    c.assign([TopicPartition("idem", 0, 0), TopicPartition("idem", 1, 0)])
    got = {0: [], 1: []}
    deadline = time.time() + 30
    while sum(len(v) for v in got.values()) < 1000 and time.time() < deadline:
        m = c.poll(0.5)
        if m is None or m.error():
            continue
        got[m.partition()].append((m.offset(), m.key().decode(), m.value().decode(), dict(m.headers())["n"].decode()))
    c.close()
    for part in (0, 1):
        expected = [(j, f"k{i % 10}", f"v{i}", str(i)) for j, i in enumerate(range(part, 1000, 2))]
        assert got[part] == expected


def test_consumer_group_rebalances_when_a_member_leaves(broker):
    a = admin(broker)
    wait_all(a.create_topics([NewTopic("grp", 4, 1)]))
    p = Producer({"bootstrap.servers": broker.bootstrap})
    for i in range(400):
        p.produce("grp", value=f"m{i}".encode(), partition=i % 4)
    assert p.flush(30) == 0

    def consumer(name):
        c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "grp-2", "client.id": name,
                      "auto.offset.reset": "earliest", "session.timeout.ms": 6000, "heartbeat.interval.ms": 500,
                      "enable.auto.commit": False})
        c.subscribe(["grp"])
        return c

    c1, c2 = consumer("one"), consumer("two")
    seen = {}
    deadline = time.time() + 45
    while time.time() < deadline and not (c1.assignment() and c2.assignment() and len(seen) >= 200):
        for c in (c1, c2):
            m = c.poll(0.2)
            if m is not None and not m.error():
                seen[(m.partition(), m.offset())] = m.value().decode()
                c.commit(m, asynchronous=False)
    a1 = {tp.partition for tp in c1.assignment()}
    a2 = {tp.partition for tp in c2.assignment()}
    assert a1 and a2 and a1.isdisjoint(a2) and a1 | a2 == {0, 1, 2, 3}
    c2.close()  # leaves the group: c1 must get all four partitions and read the rest
    deadline = time.time() + 45
    while time.time() < deadline and len(seen) < 400:
        m = c1.poll(0.2)
        if m is not None and not m.error():
            seen[(m.partition(), m.offset())] = m.value().decode()
    assert {tp.partition for tp in c1.assignment()} == {0, 1, 2, 3}
    c1.close()
    assert sorted(seen.values(), key=lambda v: int(v[1:])) == [f"m{i}" for i in range(400)]
    groups = a.list_consumer_groups().result(timeout=10)
    assert "grp-2" in {g.group_id for g in groups.valid}
    desc = a.describe_consumer_groups(["grp-2"])["grp-2"].result(timeout=10)
    assert desc.group_id == "grp-2"
