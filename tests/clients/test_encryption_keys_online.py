"""Encryption at rest, the key operations on a live broker (issue 9).

Turning encryption on over plaintext data and converting it with `bulwark keys
reencrypt` while the broker serves; shredding a topic online (consumers get
CORRUPT_MESSAGE, the broker says why, the act is in the audit log) and offline (the CLI
writes the audit event); backup and restore of the wrapped keys; --tenant refused
while tenants do not exist; kill -9 of the broker in the middle of a re-encryption.
"""
import json
import os
import subprocess
import threading
import time
import uuid
from pathlib import Path

from confluent_kafka import KafkaError, Producer

from broker import BINARY, Broker
from test_encryption_at_rest import consume, encrypted_broker, files_containing, make_key, produce


def keys_cli(data: Path, key: Path, *args, timeout=120):
    return subprocess.run([str(BINARY), "keys", *args, "--data-dir", str(data), "--master-key-file", str(key)],
                          capture_output=True, text=True, timeout=timeout)


def audit_events(data: Path, key: Path, *filters):
    """The audit log's events; with encryption at rest its segments are sealed too."""
    out = subprocess.run([str(BINARY), "audit", "query", "--data-dir", str(data), "--master-key-file", str(key),
                          "--format", "json", *filters],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]


SMALL_SEGMENTS = {"log.segment.bytes": "4096"}


def produce_more(bootstrap, topic, values):
    """Appends to an existing topic."""
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5})
    for i, value in enumerate(values):
        producer.produce(topic, key=f"more-{i}".encode(), value=value)
    assert producer.flush(30) == 0


def test_turning_encryption_on_later_and_reencrypting_online(tmp_path):
    data = tmp_path / "data"
    marker = f"MARKER-{uuid.uuid4().hex}".encode()
    old = [marker + f"-old-{i}-".encode() + bytes(range(200)) for i in range(120)]
    plain = Broker(tmp_path, extra=SMALL_SEGMENTS).start()
    try:
        produce(plain.bootstrap, "legacy", old)
        got, errors = consume(plain.bootstrap, "legacy", len(old), group="legacy-group", commit_metadata=marker.decode())
        assert errors == [] and got == old
    finally:
        assert plain.stop() == 0
    assert files_containing(data, marker) != [], "the plaintext run must leave the marker on disk"

    key = make_key(tmp_path / "master.key")
    broker = encrypted_broker(tmp_path, key, **SMALL_SEGMENTS).start()
    new = [marker + f"-new-{i}".encode() for i in range(30)]
    try:
        # New data is sealed from the first append; the old stays readable.
        produce_more(broker.bootstrap, "legacy", new)
        got, errors = consume(broker.bootstrap, "legacy", len(old) + len(new))
        assert errors == [] and got == old + new
        # Re-encryption runs inside the broker while a consumer keeps reading.
        reads = []

        def keep_reading():
            for _ in range(3):
                reads.append(consume(broker.bootstrap, "legacy", len(old) + len(new)))

        reader = threading.Thread(target=keep_reading)
        reader.start()
        result = keys_cli(data, key, "reencrypt", "--rate", "256k")
        reader.join(120)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "handed to it" in result.stdout
        assert "FAILED" not in result.stdout
        rewritten = int(result.stdout.split("re-encrypted ")[1].split()[0])
        # The plaintext batch and the sealed one (under a DEK older than the run) each fill a segment.
        assert rewritten >= 2, result.stdout
        assert reads and all(errors == [] and got == old + new for got, errors in reads)
        got, errors = consume(broker.bootstrap, "legacy", len(old) + len(new))
        assert errors == [] and got == old + new
        assert "re-encrypted segment" in broker.output()
    finally:
        assert broker.stop() == 0, broker.output()[-3000:]
    assert files_containing(data, marker) == []
    assert files_containing(data, b"MARKER-") == []
    status = keys_cli(data, key, "status")
    assert status.returncode == 0, status.stderr
    assert "plain" not in status.stdout, status.stdout
    events = [e for e in audit_events(data, key) if e.get("action") == "keys-reencrypt"]
    assert len(events) == 1 and events[0]["result"] == "allowed", events
    # Restarted, the broker reads the rewritten segments (recovery trusts their new indexes).
    broker = encrypted_broker(tmp_path, key, **SMALL_SEGMENTS).start()
    try:
        got, errors = consume(broker.bootstrap, "legacy", len(old) + len(new))
        assert errors == [] and got == old + new
    finally:
        assert broker.stop() == 0


def test_shred_online_and_offline_is_audited_and_consumers_get_corrupt_message(tmp_path):
    data = tmp_path / "data"
    key = make_key(tmp_path / "master.key")
    broker = encrypted_broker(tmp_path, key).start()
    values = [f"doomed-{i}".encode() for i in range(10)]
    try:
        produce(broker.bootstrap, "doomed", values)
        produce(broker.bootstrap, "bystander", [b"still-here"])
        got, errors = consume(broker.bootstrap, "doomed", len(values))
        assert errors == [] and got == values
        shredded = keys_cli(data, key, "shred", "--topic", "doomed", "--yes")
        assert shredded.returncode == 0, shredded.stdout + shredded.stderr
        assert "handed to it" in shredded.stdout and "keys shredded" in shredded.stdout
        got, errors = consume(broker.bootstrap, "doomed", len(values))
        assert got == []
        # Kafka's CORRUPT_MESSAGE (2), which librdkafka names INVALID_MSG: it reaches the
        # application, where KAFKA_STORAGE_ERROR (56) would be retried silently forever.
        assert [e.code() for e in errors] == [KafkaError.INVALID_MSG] and KafkaError.INVALID_MSG == 2
        other, other_errors = consume(broker.bootstrap, "bystander", 1)
        assert other_errors == [] and other == [b"still-here"]
        log = broker.output()
        assert "keys shredded" in log
        assert "fetch refused with error 2" in log and "were shredded" in log
    finally:
        assert broker.stop() == 0, broker.output()[-3000:]

    # Offline: the CLI shreds and writes the audit event itself.
    offline = keys_cli(data, key, "shred", "--topic", "bystander", "--yes")
    assert offline.returncode == 0, offline.stderr
    assert "handed to it" not in offline.stdout
    events = [e for e in audit_events(data, key) if e.get("action") == "keys-shred"]
    assert [(e["resource_name"], e["result"]) for e in events] == [("doomed", "allowed"), ("bystander", "allowed")], events
    assert all(e["principal"].startswith("local:") for e in events)
    assert audit_events(data, key, "--resource", "topic:doomed") != []
    verify = subprocess.run([str(BINARY), "audit", "verify", "--data-dir", str(data)], capture_output=True, text=True, timeout=60)
    assert verify.returncode == 0, verify.stdout + verify.stderr

    # Tenants do not exist yet: --tenant is understood and refused with the reason.
    tenant = keys_cli(data, key, "shred", "--tenant", "acme", "--yes")
    assert tenant.returncode != 0 and "tenants do not exist yet" in tenant.stderr
    status = keys_cli(data, key, "status", "--tenant", "acme")
    assert status.returncode != 0 and "tenants do not exist yet" in status.stderr


def test_backup_while_running_and_restore_after_losing_the_key_store(tmp_path):
    data = tmp_path / "data"
    key = make_key(tmp_path / "master.key")
    broker = encrypted_broker(tmp_path, key).start()
    values = [f"kept-{i}".encode() for i in range(10)]
    backup = tmp_path / "keys.backup"
    try:
        produce(broker.bootstrap, "kept", values)
        made = keys_cli(data, key, "backup", "--out", str(backup))
        assert made.returncode == 0, made.stderr
        # Restore beside a running broker is refused.
        busy = keys_cli(data, key, "restore", str(backup))
        assert busy.returncode != 0 and "stop it" in busy.stderr
    finally:
        assert broker.stop() == 0
    assert os.stat(backup).st_mode & 0o777 == 0o600
    content = backup.read_bytes()
    assert key.read_text().strip().encode() not in content
    assert json.loads(content)["format"] == "bulwark.keys.backup.v1"

    # The key store loses the topic's keys: its data cannot be read.
    (data / "keys" / "topic-kept.keys").unlink()
    broker.start()
    try:
        got, _ = consume(broker.bootstrap, "kept", len(values), timeout=6)
        assert got == []
        assert "has no DEK" in broker.output()
    finally:
        assert broker.stop() == 0

    other = make_key(tmp_path / "other.key")
    wrong = keys_cli(data, other, "restore", str(backup))
    assert wrong.returncode != 0 and "does not open this backup" in wrong.stderr
    assert not (data / "keys" / "topic-kept.keys").exists()
    restored = keys_cli(data, key, "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    assert "topic-kept.keys" in restored.stdout
    broker.start()
    try:
        got, errors = consume(broker.bootstrap, "kept", len(values))
        assert errors == [] and got == values
    finally:
        assert broker.stop() == 0


def test_kill_9_during_online_reencryption_loses_nothing(tmp_path):
    data = tmp_path / "data"
    marker = f"MARKER-{uuid.uuid4().hex}".encode()
    values = [marker + f"-{i}-".encode() + bytes(200) for i in range(300)]
    plain = Broker(tmp_path, extra=SMALL_SEGMENTS).start()
    try:
        produce(plain.bootstrap, "slow", values[:1])  # creates the topic
        producer = Producer({"bootstrap.servers": plain.bootstrap, "acks": "all", "linger.ms": 2, "batch.size": 2048})
        for i, value in enumerate(values[1:]):
            producer.produce("slow", key=f"k{i}".encode(), value=value)
        assert producer.flush(30) == 0
    finally:
        assert plain.stop() == 0
    key = make_key(tmp_path / "master.key")
    broker = encrypted_broker(tmp_path, key, **SMALL_SEGMENTS).start()
    # About 80 KB of old segments at 8 KiB/s: the kill lands in the middle of the run.
    cli = subprocess.Popen([str(BINARY), "keys", "reencrypt", "--rate", "8k", "--data-dir", str(data),
                            "--master-key-file", str(key)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while "re-encrypted segment" not in broker.output() and time.time() < deadline:
        time.sleep(0.05)
    assert "re-encrypted segment" in broker.output(), broker.output()[-2000:]
    broker.kill()
    assert "re-encryption done" not in broker.output(), "the kill came too late to interrupt the run"
    cli.kill()
    cli.wait()
    broker.start()
    try:
        got, errors = consume(broker.bootstrap, "slow", len(values))
        assert errors == [] and got == values
        # Finishing the job afterwards converts the rest.
        result = keys_cli(data, key, "reencrypt", "--plaintext-only", "--rate", "64m")
        assert result.returncode == 0, result.stdout + result.stderr
        got, errors = consume(broker.bootstrap, "slow", len(values))
        assert errors == [] and got == values
    finally:
        assert broker.stop() == 0, broker.output()[-3000:]
    assert files_containing(data, marker) == []
