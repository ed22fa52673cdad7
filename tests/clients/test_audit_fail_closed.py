"""Fail-closed by default for denials and admin changes, with the real broker.

While the audit log cannot persist anything (its active segment is made immutable with
`chattr +i`, so every append through the broker's open descriptor fails with EPERM),
bob's denied Metadata request gets no answer (the connection is closed instead of the
denial being acknowledged unaudited), an admin's CreateTopics is refused before it runs
(the topic is never created), and alice's allowed request is still served (allowed events
are fail-open). Once the flag is cleared the log records how many events were lost and
verifies."""
import json
import subprocess
import time

import pytest

from broker import BINARY
from security import PASSWORDS, add_user, security_broker
from test_broker_authorization import ADMIN_PASSWORD, MECH, admin_client, conf

POLICIES = {
    "serviceName": "kafka",
    "policies": [
        {"id": 30, "name": "ledger for alice", "resources": {"topic": {"values": ["ledger"]}},
         "policyItems": [{"users": ["alice"], "accesses": [{"type": "describe", "isAllowed": True}]}]},
    ],
}


def immutable(path, on):
    """chattr ±i: while set, even the broker's open descriptor cannot write the file (EPERM)."""
    r = subprocess.run(["chattr", "+i" if on else "-i", str(path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


@pytest.fixture
def broker(tmp_path):
    policy_dir = tmp_path / "policies"
    policy_dir.mkdir()
    (policy_dir / "kafka.json").write_text(json.dumps(POLICIES))
    b = security_broker(tmp_path, [("SASL_PLAINTEXT", "SASL_PLAINTEXT")], {
        "sasl.enabled.mechanisms": MECH, "super.users": "User:admin", "bulwark.policy.dir": str(policy_dir),
    })
    add_user(b.data_dir / "data", "admin", ADMIN_PASSWORD, MECH)
    add_user(b.data_dir / "data", "bob", PASSWORDS["bob"], MECH)
    b.start()
    b.frozen = []
    yield b
    for path in b.frozen:
        immutable(path, False)
    if b.proc is not None:
        assert b.stop() == 0, b.output()[-3000:]


def metadata_error(broker, user, topic):
    """The topic's error code from a Metadata request, or the client error when no answer came."""
    from confluent_kafka import KafkaException
    try:
        md = admin_client(broker, user).list_topics(topic=topic, timeout=6)
    except KafkaException as e:
        return ("no answer", e.args[0].code())
    t = md.topics[topic]
    return t.error.code() if t.error is not None else 0


def test_denials_and_admin_changes_fail_closed_and_allowed_requests_fail_open(broker):
    from confluent_kafka import KafkaError
    from confluent_kafka.admin import NewTopic
    admin = admin_client(broker)
    admin.create_topics([NewTopic("ledger", num_partitions=1, replication_factor=1)])["ledger"].result(timeout=20)
    assert metadata_error(broker, "bob", "ledger") == KafkaError.TOPIC_AUTHORIZATION_FAILED
    time.sleep(1.5)  # let pending checkpoints land, so the segment is quiet
    audit_dir = broker.data_dir / "data" / "audit"
    active = max(audit_dir.glob("*.audit"))
    immutable(active, True)
    broker.frozen.append(active)
    size = active.stat().st_size

    # The denial cannot be persisted: no answer (the connection closes), never the denial.
    outcome = metadata_error(broker, "bob", "ledger")
    assert isinstance(outcome, tuple) and outcome[0] == "no answer", outcome
    # An admin change is refused before it runs: CreateTopics fails and nothing is created.
    refused = admin_client(broker)
    future = refused.create_topics([NewTopic("unaudited", num_partitions=1, replication_factor=1)],
                                                request_timeout=6)["unaudited"]
    with pytest.raises(Exception):
        future.result(timeout=20)
    assert not (broker.data_dir / "data" / "unaudited-0").exists()
    # Allowed events are fail-open: alice is answered.
    assert metadata_error(broker, "alice", "ledger") == 0
    assert active.stat().st_size == size

    immutable(active, False)
    broker.frozen.remove(active)
    deadline = time.time() + 20
    while metadata_error(broker, "bob", "ledger") != KafkaError.TOPIC_AUTHORIZATION_FAILED and time.time() < deadline:
        time.sleep(0.5)
    assert metadata_error(broker, "bob", "ledger") == KafkaError.TOPIC_AUTHORIZATION_FAILED
    md = admin.list_topics(timeout=10)
    assert "unaudited" not in md.topics
    assert broker.stop() == 0, broker.output()[-3000:]
    data = str(broker.data_dir / "data")
    r = subprocess.run([str(BINARY), "audit", "verify", "--data-dir", data], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    r = subprocess.run([str(BINARY), "audit", "query", "--data-dir", data, "--format", "json", "--kind", "auditLog"],
                       capture_output=True, text=True, timeout=60)
    lost = [json.loads(line) for line in r.stdout.splitlines() if '"events-lost"' in line]
    assert lost and all(e["result"] == "denied" for e in lost), r.stdout
    # The refused admin change left no admin event (it never happened).
    r = subprocess.run([str(BINARY), "audit", "query", "--data-dir", data, "--format", "json", "--resource", "topic:unaudited",
                        "--kind", "admin"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout == "", r.stdout + r.stderr
