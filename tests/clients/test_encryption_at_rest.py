"""Encryption at rest with real clients against the real broker (issue 9).

Records carrying a unique marker are produced and consumed back byte-exact; with the
broker stopped, no file under the data directory holds the marker. A wrong master key
stops the broker at start; `bulwark keys rotate-kek` keeps data readable and
`bulwark keys shred` makes a consumer get an error instead of data.
"""
import os
import subprocess
import time
import uuid
from pathlib import Path

from confluent_kafka import Consumer, KafkaError, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from broker import BINARY, Broker


def make_key(path: Path):
    result = subprocess.run([str(BINARY), "keys", "generate-master-key", str(path)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert os.stat(path).st_mode & 0o777 == 0o600
    return path


def encrypted_broker(tmp_path, key: Path, **extra):
    props = {"bulwark.encryption.enabled": "true", "bulwark.encryption.master.key.file": str(key)}
    props.update(extra)
    return Broker(tmp_path, extra=props)


def produce(bootstrap, topic, values):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result(15)
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5})
    for i, value in enumerate(values):
        producer.produce(topic, key=f"key-{i}".encode(), value=value)
    assert producer.flush(30) == 0


def consume(bootstrap, topic, count, group=None, timeout=20, commit_metadata=None):
    """(values, errors) read from offset 0 (committing, when a group is given)."""
    config = {"bootstrap.servers": bootstrap, "group.id": group or f"g-{uuid.uuid4()}", "enable.auto.commit": False,
              "auto.offset.reset": "earliest"}
    consumer = Consumer(config)
    consumer.assign([TopicPartition(topic, 0, 0)])
    values, errors = [], []
    deadline = time.time() + timeout
    while len(values) < count and not errors and time.time() < deadline:
        message = consumer.poll(0.5)
        if message is None:
            continue
        if message.error():
            errors.append(message.error())
        else:
            values.append(message.value())
    if group and values:
        consumer.commit(offsets=[TopicPartition(topic, 0, len(values), metadata=commit_metadata)], asynchronous=False)
    consumer.close()
    return values, errors


def files_containing(root: Path, needle: bytes):
    hits = []
    for path in root.rglob("*"):
        if path.is_file() and needle in path.read_bytes():
            hits.append(str(path.relative_to(root)))
    return hits


def keys_cli(broker, key, *args):
    return subprocess.run(
        [str(BINARY), "keys", *args, "--data-dir", str(broker.data_dir / "data"), "--master-key-file", str(key)],
        capture_output=True, text=True, timeout=60)


def test_marker_is_never_on_disk_and_reads_back_byte_exact(tmp_path):
    key = make_key(tmp_path / "master.key")
    # Small segments and dense indexes, so that rolled segments and index files exist.
    broker = encrypted_broker(tmp_path, key, **{"log.segment.bytes": "16384", "log.index.interval.bytes": "1024"}).start()
    marker = f"MARKER-{uuid.uuid4().hex}".encode()
    values = [marker + f"-record-{i}-".encode() + bytes(range(256)) for i in range(200)]
    try:
        produce(broker.bootstrap, "sealed-topic", values[:1])
        # Small batches, several to a segment, so that the indexes get entries; the marker
        # in a record key and a header too.
        producer = Producer({"bootstrap.servers": broker.bootstrap, "acks": "all", "linger.ms": 5, "batch.size": 4096})
        for i, value in enumerate(values[1:]):
            producer.produce("sealed-topic", key=f"key-{i + 1}".encode(), value=value)
        producer.produce("sealed-topic", key=marker + b"-key", value=b"v", headers=[("h", marker + b"-header")])
        assert producer.flush(30) == 0
        values.append(b"v")
        # The commit's metadata carries the marker too: offsets.log must not show it.
        got, errors = consume(broker.bootstrap, "sealed-topic", len(values), group="sealed-group",
                              commit_metadata=marker.decode() + "-commit")
        assert errors == []
        assert got == values
    finally:
        assert broker.stop() == 0, broker.output()[-3000:]
    data = tmp_path / "data"
    assert list(data.rglob("*.log")), "no segment was written"
    assert (data / "groups" / "offsets.log").read_bytes().startswith(b"S"), "offsets.log is not sealed"
    # The scan below covers every kind of file the broker writes: segments, both indexes,
    # consumer offsets, the audit log, topic metadata, keys.
    names = [str(p.relative_to(data)) for p in data.rglob("*") if p.is_file()]
    for kind in (".log", ".index", ".timeindex", "groups/offsets.log", "meta/topics/sealed-topic.json", "keys/topic-sealed-topic.keys"):
        assert any(n.endswith(kind) for n in names), (kind, names)
    assert any(n.startswith("audit/") for n in names), names
    assert files_containing(data, marker) == []
    assert files_containing(data, b"MARKER-") == []
    # The same bytes do reach the disk in plaintext without encryption: the check can fail.
    (tmp_path / "plain").mkdir()
    plain = Broker(tmp_path / "plain").start()
    try:
        produce(plain.bootstrap, "plain-topic", values[:3])
    finally:
        assert plain.stop() == 0
    assert files_containing(tmp_path / "plain" / "data", marker) != []


def test_wrong_master_key_refuses_to_start(tmp_path):
    key = make_key(tmp_path / "master.key")
    broker = encrypted_broker(tmp_path, key).start()
    try:
        produce(broker.bootstrap, "t", [b"v"])
    finally:
        assert broker.stop() == 0
    make_key(tmp_path / "other.key")
    wrong = encrypted_broker(tmp_path, tmp_path / "other.key")
    proc = subprocess.run([str(BINARY), "serve", "--config", str(wrong.config)], capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    output = proc.stdout + proc.stderr
    assert "is not the key this data directory was sealed with" in output, output[-2000:]
    # A key file others can read is refused too, naming the fix.
    os.chmod(key, 0o644)
    loose = encrypted_broker(tmp_path, key)
    proc = subprocess.run([str(BINARY), "serve", "--config", str(loose.config)], capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "must be 0600 or 0400" in proc.stdout + proc.stderr


def test_rotate_kek_keeps_data_readable_and_shred_makes_it_unreadable(tmp_path):
    key = make_key(tmp_path / "master.key")
    broker = encrypted_broker(tmp_path, key).start()
    values = [f"rotating-{i}".encode() for i in range(20)]
    try:
        produce(broker.bootstrap, "rotating", values)
        produce(broker.bootstrap, "bystander", [b"still-here"])
    finally:
        assert broker.stop() == 0

    rotated = keys_cli(broker, key, "rotate-kek", "--topic", "rotating")
    assert rotated.returncode == 0, rotated.stderr
    assert "KEK rotated to version 2" in rotated.stdout
    status = keys_cli(broker, key, "status")
    assert status.returncode == 0, status.stderr
    assert "topic:rotating: KEK version 2" in status.stdout
    assert "segments with KEK v2 frames: 1" in status.stdout

    broker.start()
    try:
        got, errors = consume(broker.bootstrap, "rotating", len(values))
        assert errors == [] and got == values
    finally:
        assert broker.stop() == 0

    refused = keys_cli(broker, key, "shred", "--topic", "rotating")
    assert refused.returncode != 0 and "--yes" in refused.stderr
    shredded = keys_cli(broker, key, "shred", "--topic", "rotating", "--yes")
    assert shredded.returncode == 0, shredded.stderr

    broker.start()
    try:
        got, errors = consume(broker.bootstrap, "rotating", len(values))
        assert got == []
        # Kafka's CORRUPT_MESSAGE (2), which librdkafka names INVALID_MSG.
        assert [e.code() for e in errors] == [KafkaError.INVALID_MSG] and KafkaError.INVALID_MSG == 2
        other, other_errors = consume(broker.bootstrap, "bystander", 1)
        assert other_errors == [] and other == [b"still-here"]
    finally:
        assert broker.stop() == 0
