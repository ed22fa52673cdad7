"""No secret ever reaches a log line. The real broker runs SASL_SSL (an encrypted TLS key
opened with ssl.key.password) with SCRAM-SHA-256, SCRAM-SHA-512 and PLAIN, JSON logs at
trace level to a file, and an admin token; kcat and confluent-kafka authenticate with right
and wrong passwords; then every log (the JSON log file, stdout and stderr, the audit log's
files) is searched for every secret the run used."""
import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from broker import ROOT, free_port
from security import PASSWORDS, add_user, security_broker

KEY_PASSWORD = "tls-K3y-Pa55-d41f"
TOKEN = "admin-T0ken-77c2e9"
WRONG = ["wr0ng-Pa55-a1", "wr0ng-Pa55-b2", "wr0ng-Pa55-c3", "wr0ng-Pa55-d4"]
CAROL = "carol-PLAIN-Pa55-6e0d"


def make_certs(directory):
    env = dict(os.environ, DAYS="365", KEY_PASSWORD=KEY_PASSWORD)
    r = subprocess.run(["sh", str(ROOT / "Certs" / "make-certs.sh"), str(directory)], env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return Path(directory)


def kcat(broker, certs, mechanism, user, password, *args, stdin=None):
    return subprocess.run(["kcat", "-b", broker.bootstrap, "-X", "security.protocol=SASL_SSL",
                           "-X", f"ssl.ca.location={certs / 'ca.pem'}", "-X", f"sasl.mechanisms={mechanism}",
                           "-X", f"sasl.username={user}", "-X", f"sasl.password={password}", "-m", "5", *args],
                          input=stdin, capture_output=True, text=True, timeout=60)


def scrape(port, token):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/metrics", headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_no_secret_in_any_log(tmp_path):
    certs = make_certs(tmp_path / "certs")
    token = tmp_path / "admin.token"
    token.write_text(TOKEN)
    token.chmod(0o600)
    log_file = tmp_path / "bulwark.json.log"
    admin_port = free_port()
    b = security_broker(tmp_path, [("SASL_SSL", "SASL_SSL")], {
        "sasl.enabled.mechanisms": "SCRAM-SHA-256,SCRAM-SHA-512,PLAIN",
        "ssl.keystore.type": "PEM",
        "ssl.keystore.location": str(certs / "broker-keystore.pem"),
        "ssl.key.password": KEY_PASSWORD,
        "bulwark.log.format": "json",
        "bulwark.log.level": "trace",
        "bulwark.log.file": str(log_file),
        "bulwark.admin.listener": f"http://127.0.0.1:{admin_port}",
        "bulwark.admin.token.file": str(token),
        "auto.create.topics.enable": "true",
    })
    add_user(b.data_dir / "data", "carol", CAROL, "SCRAM-SHA-256")
    b.start()
    try:
        # Successes with each mechanism (PLAIN checks against the SCRAM credentials).
        for mech in ("SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"):
            r = kcat(b, certs, mech, "alice", PASSWORDS["alice"], "-L")
            assert r.returncode == 0, (mech, r.stderr)
        r = kcat(b, certs, "PLAIN", "carol", CAROL, "-P", "-t", "t1", stdin="secret-free record\n")
        assert r.returncode == 0, r.stderr
        # Failures: wrong passwords for each mechanism and an unknown user.
        for mech, pw in zip(("SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"), WRONG):
            r = kcat(b, certs, mech, "alice", pw, "-L")
            assert r.returncode != 0
        r = kcat(b, certs, "SCRAM-SHA-256", "mallory", WRONG[3], "-L")
        assert r.returncode != 0
        from confluent_kafka import Producer
        p = Producer({"bootstrap.servers": b.bootstrap, "security.protocol": "SASL_SSL",
                      "ssl.ca.location": str(certs / "ca.pem"), "sasl.mechanisms": "SCRAM-SHA-512",
                      "sasl.username": "alice", "sasl.password": PASSWORDS["alice"]})
        p.produce("t1", b"x")
        assert p.flush(20) == 0
        assert scrape(admin_port, "not-the-token") == 401
        assert scrape(admin_port, TOKEN) == 200
    finally:
        assert b.stop() == 0

    secrets = [KEY_PASSWORD, TOKEN, CAROL, *PASSWORDS.values(), *WRONG]
    lines = log_file.read_text().splitlines()
    # The search is over a real log: JSON objects, with the authentications in it.
    records = [json.loads(line) for line in lines]
    assert all({"timestamp", "level", "subsystem", "message"} <= set(r) for r in records)
    messages = [r["message"] for r in records]
    assert messages.count("authenticated") >= 5
    assert messages.count("SASL authentication failed") >= 4
    logs = {"json log": log_file.read_bytes(), "stdout/stderr": b.log_path.read_bytes()}
    audit = b.data_dir / "data" / "audit"
    for f in audit.rglob("*"):
        if f.is_file():
            logs[f"audit {f.name}"] = f.read_bytes()
    assert any(k.startswith("audit") for k in logs)
    for name, data in logs.items():
        for secret in secrets:
            assert secret.encode() not in data, f"{secret!r} found in {name}"
