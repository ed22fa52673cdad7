"""`bulwark policy apply` against a running broker: the admin listener's policy routes,
authenticated as broker SCRAM users, allowed by Ranger's delegated-admin rule.

teamlead is delegated admin for consume/publish on `team-a-*`; admin is a super user;
bob has no rights until teamlead grants them."""
import json
import subprocess
import time

import pytest

from broker import BINARY, free_port
from security import PASSWORDS, add_user, security_broker

MECH = "SCRAM-SHA-256"
TEAMLEAD_PASSWORD = "teamlead-Pa55-word-3c1a"
ADMIN_PASSWORD = "admin-Pa55-word-88d0"

BASE = {"serviceName": "kafka", "policies": [
    {"id": 1, "name": "team-a delegation", "resources": {"topic": {"values": ["team-a-*"]}},
     "policyItems": [{"users": ["teamlead"], "delegateAdmin": True,
                      "accesses": [{"type": "consume", "isAllowed": True}, {"type": "publish", "isAllowed": True}]}]}]}


def grant(policy_id, topic, user, *accesses):
    return {"serviceName": "kafka", "policies": [
        {"id": policy_id, "name": f"{user} on {topic}", "resources": {"topic": {"values": [topic]}},
         "policyItems": [{"users": [user], "accesses": [{"type": a, "isAllowed": True} for a in accesses]}]}]}


@pytest.fixture
def applied(tmp_path):
    policy_dir = tmp_path / "policies"
    policy_dir.mkdir()
    (policy_dir / "base.json").write_text(json.dumps(BASE))
    admin_port = free_port()
    b = security_broker(tmp_path, [("SASL_PLAINTEXT", "SASL_PLAINTEXT")], {
        "sasl.enabled.mechanisms": MECH, "super.users": "User:admin", "bulwark.policy.dir": str(policy_dir),
        "bulwark.policy.reload.interval.ms": "100", "bulwark.admin.listener": f"http://127.0.0.1:{admin_port}",
    })
    data = b.data_dir / "data"
    add_user(data, "teamlead", TEAMLEAD_PASSWORD, MECH)
    add_user(data, "admin", ADMIN_PASSWORD, MECH)
    b.policy_dir, b.admin_url = policy_dir, f"http://127.0.0.1:{admin_port}"
    b.start()
    yield b
    assert b.stop() == 0, b.output()[-3000:]


def apply(broker, tmp_path, user, password, document=None, name="team.json", delete=None, as_name=None):
    password_file = tmp_path / f"{user}.password"
    password_file.write_text(password + "\n")
    args = [str(BINARY), "policy", "apply", "--admin-url", broker.admin_url, "--user", user,
            "--password-file", str(password_file)]
    if as_name:
        args += ["--name", as_name]
    if delete:
        args += ["--delete", delete]
    else:
        path = tmp_path / name
        path.write_text(json.dumps(document))
        args.append(str(path))
    return subprocess.run(args, capture_output=True, text=True, timeout=30)


def kcat(broker, user, *args, stdin=None):
    password = {"admin": ADMIN_PASSWORD, "teamlead": TEAMLEAD_PASSWORD}.get(user) or PASSWORDS[user]
    return subprocess.run(["kcat", "-b", broker.bootstrap, "-X", "security.protocol=SASL_PLAINTEXT",
                           "-X", f"sasl.mechanisms={MECH}", "-X", f"sasl.username={user}",
                           "-X", f"sasl.password={password}", *args], input=stdin, capture_output=True, text=True,
                          timeout=30)


def test_a_delegated_admin_grants_inside_their_topics_and_the_grant_takes_effect(applied, tmp_path):
    from confluent_kafka.admin import AdminClient, NewTopic
    admin = AdminClient({"bootstrap.servers": applied.bootstrap, "security.protocol": "SASL_PLAINTEXT",
                         "sasl.mechanisms": MECH, "sasl.username": "admin", "sasl.password": ADMIN_PASSWORD})
    admin.create_topics([NewTopic("team-a-orders", 1, 1)])["team-a-orders"].result(timeout=20)
    r = kcat(applied, "bob", "-P", "-t", "team-a-orders", stdin="b-1\n")
    assert "Topic authorization failed" in r.stderr, r.stderr
    r = apply(applied, tmp_path, "teamlead", TEAMLEAD_PASSWORD, grant(10, "team-a-orders", "bob", "publish", "consume"))
    assert r.returncode == 0, r.stderr
    version = json.loads(r.stdout)["version"]
    assert version >= 2
    assert json.loads((applied.policy_dir / "team.json").read_text()) == grant(10, "team-a-orders", "bob", "publish", "consume")
    r = kcat(applied, "bob", "-P", "-t", "team-a-orders", stdin="b-2\n")
    assert r.returncode == 0, r.stderr
    r = kcat(applied, "bob", "-C", "-t", "team-a-orders", "-o", "beginning", "-e", "-q")
    assert r.stdout.splitlines() == ["b-2"], r.stderr
    # Removing the file takes the grant away again.
    r = apply(applied, tmp_path, "teamlead", TEAMLEAD_PASSWORD, delete="team.json")
    assert r.returncode == 0, r.stderr
    assert not (applied.policy_dir / "team.json").exists()
    time.sleep(0.3)
    r = kcat(applied, "bob", "-P", "-t", "team-a-orders", stdin="b-3\n")
    assert "Topic authorization failed" in r.stderr, r.stderr


def test_grants_outside_the_delegation_are_refused_and_nothing_is_written(applied, tmp_path):
    r = apply(applied, tmp_path, "teamlead", TEAMLEAD_PASSWORD, grant(11, "payments", "bob", "consume"))
    assert r.returncode == 1
    assert r.stderr.strip() == ("refused (HTTP 403): policy 11: teamlead has no delegated admin rights on "
                                "topic=payments")
    r = apply(applied, tmp_path, "teamlead", TEAMLEAD_PASSWORD, grant(12, "team-a-orders", "bob", "configure"))
    assert r.returncode == 1
    assert "no delegated admin rights for configure on topic=team-a-orders" in r.stderr, r.stderr
    r = apply(applied, tmp_path, "bob", PASSWORDS["bob"], grant(13, "team-a-orders", "bob", "consume"))
    assert r.returncode == 1 and "HTTP 403" in r.stderr, r.stderr
    assert sorted(p.name for p in applied.policy_dir.iterdir()) == ["base.json"]


def test_bad_credentials_and_bad_files_get_clear_errors(applied, tmp_path):
    wrong = apply(applied, tmp_path, "teamlead", "not-the-password", grant(14, "team-a-x", "bob", "consume"))
    unknown = apply(applied, tmp_path, "nobody", "whatever", grant(14, "team-a-x", "bob", "consume"))
    # A wrong password and an unknown user answer the same.
    assert wrong.returncode == unknown.returncode == 1
    assert wrong.stderr == unknown.stderr == "refused (HTTP 401): authentication required\n"
    r = apply(applied, tmp_path, "admin", ADMIN_PASSWORD, {"policies": [{"id": 15, "resources": {"topic": {"values": ["x"]}},
                                                                        "policyItems": [{"users": ["bob"], "accesses": [{"type": "fly"}]}]}]})
    assert r.returncode == 1 and "HTTP 400" in r.stderr and "fly" in r.stderr, r.stderr
    r = apply(applied, tmp_path, "admin", ADMIN_PASSWORD, grant(16, "x", "bob", "consume"), as_name="../escape.json")
    assert r.returncode == 1 and "HTTP 400" in r.stderr, r.stderr
    assert sorted(p.name for p in applied.policy_dir.iterdir()) == ["base.json"]
    assert not (applied.policy_dir.parent / "escape.json").exists()
    # The super user may grant anything; the change and the refusals are in the audit log.
    r = apply(applied, tmp_path, "admin", ADMIN_PASSWORD, grant(17, "*", "bob", "describe"))
    assert r.returncode == 0, r.stderr
    q = subprocess.run([str(BINARY), "audit", "query", "--data-dir", str(applied.data_dir / "data"), "--format", "json",
                        "--resource", "policy:team.json"], capture_output=True, text=True, timeout=30)
    events = [json.loads(line) for line in q.stdout.splitlines()]
    assert [(e["principal"], e["result"]) for e in events] == [("User:admin", "denied"), ("User:admin", "allowed")]
    assert events[1]["before"] == "absent" and events[1]["after"].startswith("sha256:")
