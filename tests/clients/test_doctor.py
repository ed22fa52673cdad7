"""`bulwark doctor` on fixture configurations and real files: each insecure setting is flagged
with its severity and fix, high severity exits 1, and a clean configuration passes."""
import json
import os
import subprocess
from pathlib import Path

import pytest

from broker import BINARY, ROOT

ACCESSES = ["publish", "consume", "configure", "describe", "kafka_admin", "create", "delete", "idempotent_write",
            "describe_configs", "alter_configs", "cluster_action", "alter"]
NARROW = {"serviceName": "kafka", "policies": [
    {"id": 1, "name": "orders", "resources": {"topic": {"values": ["orders"]}},
     "policyItems": [{"users": ["alice"], "accesses": [{"type": "publish", "isAllowed": True}]}]}]}
EVERYTHING = {"serviceName": "kafka", "policies": [
    {"id": 7, "name": "open house", "resources": {"topic": {"values": ["*"]}},
     "policyItems": [{"groups": ["public"], "accesses": [{"type": a, "isAllowed": True} for a in ACCESSES]}]}]}


def make_certs(directory, days):
    env = dict(os.environ, DAYS=str(days))
    r = subprocess.run(["sh", str(ROOT / "Certs" / "make-certs.sh"), str(directory)], env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return Path(directory)


@pytest.fixture(scope="module")
def fixture_files(tmp_path_factory):
    base = tmp_path_factory.mktemp("doctor")
    certs = make_certs(base / "certs", 365)
    (certs / "broker-keystore.pem").chmod(0o600)
    soon = make_certs(base / "soon", 10)
    (soon / "broker-keystore.pem").chmod(0o600)
    key = base / "master.key"
    r = subprocess.run([str(BINARY), "keys", "generate-master-key", str(key)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    narrow = base / "narrow"
    narrow.mkdir()
    (narrow / "kafka.json").write_text(json.dumps(NARROW))
    everything = base / "everything"
    everything.mkdir()
    (everything / "kafka.json").write_text(json.dumps(EVERYTHING))
    return {"base": base, "certs": certs, "soon": soon, "key": key, "narrow": narrow, "everything": everything}


def clean_props(f, tmp_path):
    return {
        "listeners": "SECURE://0.0.0.0:9093",
        "listener.security.protocol.map": "SECURE:SASL_SSL",
        "sasl.enabled.mechanisms": "SCRAM-SHA-512",
        "ssl.keystore.type": "PEM",
        "ssl.keystore.location": str(f["certs"] / "broker-keystore.pem"),
        "bulwark.policy.dir": str(f["narrow"]),
        "bulwark.encryption.enabled": "true",
        "bulwark.encryption.master.key.file": str(f["key"]),
        "log.dirs": str(tmp_path / "data"),
    }


def doctor(tmp_path, props, mode=0o600):
    config = tmp_path / "server.properties"
    config.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
    config.chmod(mode)
    r = subprocess.run([str(BINARY), "doctor", "--config", str(config)], capture_output=True, text=True, timeout=60)
    findings = [line.split()[:2] for line in r.stdout.splitlines() if line[:1].isupper() and not line.startswith(("no ", "fix"))
                and line.split()[0] in ("HIGH", "MEDIUM", "LOW")]
    return r, [(sev.lower(), ident) for sev, ident in findings]


def test_a_clean_configuration_passes(fixture_files, tmp_path):
    r, findings = doctor(tmp_path, clean_props(fixture_files, tmp_path))
    assert r.returncode == 0, r.stdout + r.stderr
    assert findings == []
    assert "no insecure settings found" in r.stdout


@pytest.mark.parametrize("change,expected,code", [
    ({"listeners": "SECURE://0.0.0.0:9093,OPEN://0.0.0.0:9092",
      "listener.security.protocol.map": "SECURE:SASL_SSL,OPEN:PLAINTEXT"}, ("high", "plaintext-listener"), 1),
    ({"listeners": "S://0.0.0.0:9092", "listener.security.protocol.map": "S:SASL_PLAINTEXT",
      "sasl.enabled.mechanisms": "PLAIN", "bulwark.sasl.plain.allow.insecure": "true"}, ("high", "plain-without-tls"), 1),
    ({"ssl.enabled.protocols": "TLSv1.1,TLSv1.2"}, ("high", "tls-below-1.2"), 1),
    ({"super.users": "User:admin;User:*"}, ("high", "wildcard-super-user"), 1),
    ({"bulwark.policy.dir": "EVERYTHING"}, ("high", "allow-everything-policy"), 1),
    ({"bulwark.audit.failure.mode.admin": "open"}, ("high", "audit-fail-open"), 1),
    ({"bulwark.audit.enabled": "false"}, ("high", "audit-off"), 1),
    ({"bulwark.encryption.enabled": "false"}, ("medium", "encryption-off"), 0),
    ({"ssl.keystore.location": "SOON"}, ("medium", "certificate-expiring"), 0),
    ({"bulwark.admin.listener": "http://0.0.0.0:9644"}, ("high", "admin-unauthenticated"), 1),
])
def test_each_insecure_setting_is_flagged(fixture_files, tmp_path, change, expected, code):
    props = clean_props(fixture_files, tmp_path)
    for k, v in change.items():
        v = {"EVERYTHING": str(fixture_files["everything"]),
             "SOON": str(fixture_files["soon"] / "broker-keystore.pem")}.get(v, v)
        props[k] = v
    r, findings = doctor(tmp_path, props)
    assert expected in findings, r.stdout
    assert r.returncode == code, r.stdout
    # Each finding comes with its fix.
    assert r.stdout.count("fix: ") == len(findings)


def test_key_and_credential_files_readable_by_others(fixture_files, tmp_path):
    props = clean_props(fixture_files, tmp_path)
    key = tmp_path / "loose.key"
    key.write_bytes(fixture_files["key"].read_bytes())
    key.chmod(0o644)
    props["bulwark.encryption.master.key.file"] = str(key)
    # A SCRAM credential store made by `bulwark users add`, then loosened.
    r = subprocess.run([str(BINARY), "users", "add", "alice", "--mechanism", "SCRAM-SHA-512", "--password-stdin",
                        "--data-dir", str(tmp_path / "data")], input="alice-Pa55-word-9f3c\n", capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    store = tmp_path / "data" / "meta" / "scram-credentials"
    assert store.stat().st_mode & 0o777 == 0o600
    r, findings = doctor(tmp_path, props)
    assert findings == [("high", "secret-file-permissions")], r.stdout
    assert str(key) in r.stdout and f"chmod 600 {key}" in r.stdout
    store.chmod(0o644)
    r, findings = doctor(tmp_path, props)
    assert findings == [("high", "secret-file-permissions")] * 2, r.stdout
    # A configuration that holds a password is itself a secret.
    key.chmod(0o600)
    store.chmod(0o600)
    props["ssl.key.password"] = "k3y-Pa55"
    r, findings = doctor(tmp_path, props, mode=0o644)
    assert findings == [("high", "secret-file-permissions")], r.stdout
    assert "k3y-Pa55" not in r.stdout
