"""The audit log sealed by encryption at rest (issues 8 and 9), with the real broker.

A topic whose name carries a unique marker is created, produced to and consumed; with the
broker stopped no audit file holds the marker, `bulwark audit verify` passes without the
master key (chain and signatures) and with it (every event decoded), and `bulwark audit
query` given the master key shows the events. The control: without encryption the marker
is in the audit files, so the check can fail."""
import json
import subprocess
import uuid

from broker import BINARY, Broker
from test_encryption_at_rest import consume, encrypted_broker, files_containing, make_key, produce


def audit(*args):
    return subprocess.run([str(BINARY), "audit", *args], capture_output=True, text=True, timeout=60)


def test_audit_files_hold_no_plaintext_and_read_back_with_the_master_key(tmp_path):
    key = make_key(tmp_path / "master.key")
    topic = f"audit-marker-{uuid.uuid4().hex}"
    broker = encrypted_broker(tmp_path, key).start()
    try:
        produce(broker.bootstrap, topic, [b"v1", b"v2"])
        got, errors = consume(broker.bootstrap, topic, 2)
        assert errors == [] and got == [b"v1", b"v2"]
    finally:
        assert broker.stop() == 0, broker.output()[-3000:]
    data = tmp_path / "data"
    assert list((data / "audit").glob("*.audit")), "no audit segment"
    assert files_containing(data / "audit", topic.encode()) == []
    assert files_containing(data / "audit", b"audit-marker-") == []

    r = audit("verify", "--data-dir", str(data))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "sealed event(s) checked by chain and signatures only" in r.stdout
    r = audit("verify", "--data-dir", str(data), "--master-key-file", str(key))
    assert r.returncode == 0 and "sealed" not in r.stdout, r.stdout + r.stderr

    r = audit("query", "--data-dir", str(data), "--format", "json", "--resource", f"topic:{topic}")
    assert r.returncode != 0 and "master key" in r.stderr, r.stdout + r.stderr
    r = audit("query", "--data-dir", str(data), "--master-key-file", str(key), "--format", "json",
              "--resource", f"topic:{topic}", "--kind", "admin")
    assert r.returncode == 0, r.stderr
    created = [json.loads(line) for line in r.stdout.splitlines()]
    assert [(e["action"], e["resource_name"], e.get("after")) for e in created] == [("create-topic", topic, "partitions=1")]
    r = audit("export", "--data-dir", str(data), "--master-key-file", str(key), "--resource", f"topic:{topic}")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() and all(json.loads(line)["resources"][0]["name"] == topic for line in r.stdout.splitlines())

    # The control: the same broker without encryption writes the topic name in the clear.
    (tmp_path / "plain").mkdir()
    plain = Broker(tmp_path / "plain").start()
    try:
        produce(plain.bootstrap, topic, [b"v1"])
    finally:
        assert plain.stop() == 0
    assert files_containing(tmp_path / "plain" / "data" / "audit", topic.encode()) != []
