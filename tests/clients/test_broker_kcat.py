"""kcat (librdkafka 2.0.2) against the real broker: -L, -P, -C, -G, every codec."""
import json
import subprocess

import pytest
from confluent_kafka.admin import AdminClient, NewTopic


def kcat(bootstrap, *args, stdin=None, timeout=30):
    r = subprocess.run(["kcat", "-b", bootstrap, *args], input=stdin, capture_output=True, text=True, timeout=timeout)
    return r


def create(bootstrap, name, partitions=1):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1)])[name].result(timeout=15)


def test_list_metadata(broker):
    create(broker.bootstrap, "listed", 3)
    r = kcat(broker.bootstrap, "-L", "-J")
    assert r.returncode == 0, r.stderr
    meta = json.loads(r.stdout)
    assert [b["id"] for b in meta["brokers"]] == [0]
    topics = {t["topic"]: t for t in meta["topics"]}
    assert sorted(p["partition"] for p in topics["listed"]["partitions"]) == [0, 1, 2]
    assert all(p["leader"] == 0 for p in topics["listed"]["partitions"])


@pytest.mark.parametrize("codec", ["none", "gzip", "snappy", "lz4", "zstd"])
def test_produce_consume_each_codec(broker, codec):
    topic = f"kcat-{codec}"
    create(broker.bootstrap, topic)
    lines = [f"key-{i}:value {i} " + "x" * (i % 50) for i in range(200)]
    r = kcat(broker.bootstrap, "-P", "-t", topic, "-z", codec, "-K", ":", "-H", "origin=kcat",
             stdin="\n".join(lines) + "\n")
    assert r.returncode == 0, r.stderr
    r = kcat(broker.bootstrap, "-C", "-t", topic, "-o", "beginning", "-e", "-J")
    assert r.returncode == 0, r.stderr
    msgs = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    assert [m["offset"] for m in msgs] == list(range(200))
    assert [f'{m["key"]}:{m["payload"]}' for m in msgs] == lines
    assert all(m["headers"] == ["origin", "kcat"] for m in msgs)


def test_group_consumer(broker):
    create(broker.bootstrap, "kcat-group", 2)
    values = [f"g{i}" for i in range(50)]
    r = kcat(broker.bootstrap, "-P", "-t", "kcat-group", stdin="\n".join(values) + "\n")
    assert r.returncode == 0, r.stderr
    r = kcat(broker.bootstrap, "-G", "kcat-g1", "kcat-group", "-X", "auto.offset.reset=earliest",
             "-c", "50", "-e", "-f", "%s\\n", timeout=60)
    assert r.returncode == 0, r.stderr
    assert sorted(r.stdout.split()) == sorted(values)
