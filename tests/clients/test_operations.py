"""Running Bulwark as a service, against the real binary: Prometheus metrics on the admin
listener after real produce/consume/denied requests (kcat and confluent-kafka), health
endpoints across start and stop, `bulwark doctor` on fixture configurations, the root
refusal and production-mode start checks, Kafka's per-IP connection limit, and a search of
every log for the secrets an authentication run used."""
import json
import os
import re
import signal
import socket
import struct
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from broker import BINARY, Broker, free_port
from security import PASSWORDS, add_user, read_frame, request, security_broker

MECH = "SCRAM-SHA-256"
ADMIN_PASSWORD = "admin-Pa55-word-0b7e"
TOKEN = "metrics-T0ken-5e1b9a77"
POLICIES = {
    "serviceName": "kafka",
    "policies": [
        {"id": 10, "name": "orders for alice", "resources": {"topic": {"values": ["orders"]}},
         "policyItems": [{"users": ["alice"], "accesses": [{"type": "publish", "isAllowed": True},
                                                           {"type": "consume", "isAllowed": True}]}]},
        {"id": 11, "name": "alice's groups", "resources": {"consumergroup": {"values": ["g-*"]}},
         "policyItems": [{"users": ["alice"], "accesses": [{"type": "consume", "isAllowed": True}]}]},
    ],
}


def http_get(port, path, headers=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def metrics(port, token=TOKEN):
    status, body = http_get(port, "/metrics", {"Authorization": f"Bearer {token}"} if token else {})
    assert status == 200, body
    out = {}
    for line in body.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$', line)
        assert m, f"not Prometheus text: {line!r}"
        labels = frozenset(re.findall(r'(\w+)="([^"]*)"', m.group(3) or ""))
        out[(m.group(1), labels)] = float(m.group(4))
    return out


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())))


def conf(broker, user, **extra):
    password = ADMIN_PASSWORD if user == "admin" else PASSWORDS[user]
    c = {"bootstrap.servers": broker.bootstrap, "security.protocol": "SASL_PLAINTEXT", "sasl.mechanisms": MECH,
         "sasl.username": user, "sasl.password": password}
    c.update(extra)
    return c


def kcat(broker, user, *args, password=None, stdin=None):
    password = password or (ADMIN_PASSWORD if user == "admin" else PASSWORDS[user])
    return subprocess.run(["kcat", "-b", broker.bootstrap, "-X", "security.protocol=SASL_PLAINTEXT",
                           "-X", f"sasl.mechanisms={MECH}", "-X", f"sasl.username={user}",
                           "-X", f"sasl.password={password}", *args],
                          input=stdin, capture_output=True, text=True, timeout=30)


@pytest.fixture
def observed(tmp_path):
    policy_dir = tmp_path / "policies"
    policy_dir.mkdir()
    (policy_dir / "kafka.json").write_text(json.dumps(POLICIES))
    token = tmp_path / "admin.token"
    token.write_text(TOKEN + "\n")
    token.chmod(0o600)
    admin_port = free_port()
    b = security_broker(tmp_path, [("SASL_PLAINTEXT", "SASL_PLAINTEXT")], {
        "sasl.enabled.mechanisms": MECH,
        "super.users": "User:admin",
        "bulwark.policy.dir": str(policy_dir),
        "bulwark.admin.listener": f"http://127.0.0.1:{admin_port}",
        "bulwark.admin.token.file": str(token),
    })
    add_user(b.data_dir / "data", "admin", ADMIN_PASSWORD, MECH)
    b.admin_port = admin_port
    b.start()
    from confluent_kafka.admin import AdminClient, NewTopic
    admin = AdminClient(conf(b, "admin"))
    admin.create_topics([NewTopic("orders", num_partitions=1, replication_factor=1)])["orders"].result(timeout=20)
    yield b
    code = b.stop()
    assert code == 0, f"bulwark exited {code}:\n{b.output()[-3000:]}"


def test_metrics_need_the_token_and_health_does_not(observed):
    port = observed.admin_port
    assert http_get(port, "/metrics")[0] == 401
    assert http_get(port, "/metrics", {"Authorization": "Bearer wrong-token"})[0] == 401
    assert http_get(port, "/metrics", {"Authorization": f"Bearer {TOKEN}x"})[0] == 401
    assert http_get(port, "/metrics", {"Authorization": f"Bearer {TOKEN}"})[0] == 200
    assert http_get(port, "/health/live") == (200, "live\n")
    assert http_get(port, "/health/ready") == (200, "ready\n")
    assert http_get(port, "/nope")[0] == 404


def test_metrics_after_produce_consume_and_a_denied_request(observed):
    from confluent_kafka import Consumer
    r = kcat(observed, "alice", "-P", "-t", "orders", stdin="o-1\no-2\no-3\n")
    assert r.returncode == 0, r.stderr
    # bob may not publish to orders: one denied Produce.
    r = kcat(observed, "bob", "-P", "-t", "orders", stdin="b-1\n")
    assert "Topic authorization failed" in r.stderr, r.stderr
    # A wrong password: an authentication failure for SCRAM-SHA-256.
    r = kcat(observed, "alice", "-L", "-m", "3", password="not-alices-password")
    assert r.returncode != 0
    # alice consumes everything in group g-1 and commits, then two more records arrive.
    consumer = Consumer(conf(observed, "alice", **{"group.id": "g-1", "auto.offset.reset": "earliest",
                                                   "enable.auto.commit": False}))
    consumer.subscribe(["orders"])
    got = []
    deadline = time.time() + 30
    while len(got) < 3 and time.time() < deadline:
        m = consumer.poll(1)
        if m is not None and m.error() is None:
            got.append(m.value())
    assert got == [b"o-1", b"o-2", b"o-3"]
    consumer.commit(asynchronous=False)
    consumer.close()
    # A Fetch the consumer left long-polling (fetch.wait.max.ms, 500 ms) still completes
    # on the broker after the close, and would carry the next batch: let it time out.
    time.sleep(1.5)
    before = metrics(observed.admin_port)
    r = kcat(observed, "alice", "-P", "-t", "orders", stdin="o-4\no-5\n")
    assert r.returncode == 0, r.stderr

    s = metrics(observed.admin_port)
    assert value(s, "bulwark_requests_total", api="Produce") >= 2
    assert value(s, "bulwark_request_duration_seconds_count", api="Produce") == value(s, "bulwark_requests_total", api="Produce")
    assert value(s, "bulwark_requests_total", api="OffsetCommit") >= 1
    bytes_in = value(before, "bulwark_bytes_in_total", topic="orders", tenant="default")
    bytes_out = value(before, "bulwark_bytes_out_total", topic="orders", tenant="default")
    # The consumer fetched every batch produced before it closed (some maybe twice).
    assert bytes_in > 0 and bytes_out >= bytes_in
    # The second produce counts in; nobody fetched it, so nothing more went out.
    assert value(s, "bulwark_bytes_in_total", topic="orders", tenant="default") > bytes_in
    assert value(s, "bulwark_bytes_out_total", topic="orders", tenant="default") == bytes_out
    assert value(s, "bulwark_authorization_denials_total", resource_type="topic") >= 1
    assert value(s, "bulwark_authentications_total", mechanism=MECH, result="success") >= 4
    assert value(s, "bulwark_authentications_total", mechanism=MECH, result="failure") >= 1
    assert value(s, "bulwark_consumer_group_lag", group="g-1") == 2
    assert value(s, "bulwark_policy_version") == 1
    assert value(s, "bulwark_policy_reload_failures_total") is None
    assert value(s, "bulwark_ready") == 1
    assert value(s, "bulwark_audit_flush_duration_seconds_count") >= 1
    assert ("bulwark_audit_queue_depth", frozenset()) in s
    # group-commit durability: each acknowledged produce waited for an fsync.
    assert value(s, "bulwark_log_fsync_duration_seconds_count") >= 2

    # A policy file that does not load: the reload is refused and counted, version unchanged.
    (observed.data_dir / "policies" / "broken.json").write_text("{not json")
    deadline = time.time() + 10
    while time.time() < deadline:
        s = metrics(observed.admin_port)
        if value(s, "bulwark_policy_reload_failures_total"):
            break
        time.sleep(0.2)
    assert value(s, "bulwark_policy_reload_failures_total") == 1
    assert value(s, "bulwark_policy_version") == 1


def test_health_endpoints_follow_the_broker(tmp_path):
    admin_port = free_port()
    b = Broker(tmp_path, {"bulwark.admin.listener": f"http://127.0.0.1:{admin_port}",
                          "bulwark.shutdown.unready.delay.ms": "1500"})
    assert http_get_or_none(admin_port, "/health/live") is None  # nothing listens before start
    b.start()
    seen = []
    deadline = time.time() + 10
    while time.time() < deadline:
        seen.append(http_get(admin_port, "/health/ready")[0])
        if seen[-1] == 200:
            break
        time.sleep(0.05)
    assert seen[-1] == 200 and set(seen) <= {200, 503}
    assert http_get(admin_port, "/health/live")[0] == 200
    b.proc.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    # Draining: not ready, still alive, Kafka listener still answering for the delay.
    assert http_get(admin_port, "/health/ready") == (503, "not ready: stopping\n")
    assert http_get(admin_port, "/health/live")[0] == 200
    assert b.proc.wait(timeout=20) == 0
    b.proc = None
    b.log.close()
    assert http_get_or_none(admin_port, "/health/ready") is None


def http_get_or_none(port, path):
    try:
        return http_get(port, path)
    except (urllib.error.URLError, ConnectionError):
        return None


def api_versions_ok(sock):
    """ApiVersions v0 answered; False when the broker closed the connection instead."""
    try:
        sock.sendall(request(18, 0, 7, b""))
        frame = read_frame(sock)
    except (ConnectionResetError, BrokenPipeError):
        return False
    return frame is not None and struct.unpack(">ih", frame[:6]) == (7, 0)


def connect_from(address, port):
    s = socket.socket()
    s.settimeout(5)
    s.bind((address, 0))
    s.connect(("127.0.0.1", port))
    return s


def test_per_ip_connection_limit_and_override(tmp_path):
    admin_port = free_port()
    b = Broker(tmp_path, {"max.connections.per.ip": "3", "max.connections.per.ip.overrides": "127.0.0.2:1",
                          "bulwark.admin.listener": f"http://127.0.0.1:{admin_port}"}).start()
    socks = []
    try:
        for _ in range(3):
            socks.append(connect_from("127.0.0.1", b.port))
            assert api_versions_ok(socks[-1])
        fourth = connect_from("127.0.0.1", b.port)
        assert not api_versions_ok(fourth), "a fourth connection from 127.0.0.1 was served"
        fourth.close()
        # Another address has its own count, and its override (1).
        other = connect_from("127.0.0.2", b.port)
        assert api_versions_ok(other)
        second = connect_from("127.0.0.2", b.port)
        assert not api_versions_ok(second)
        second.close()
        other.close()
        # The first three are still served.
        assert all(api_versions_ok(s) for s in socks)
        # Closing one frees its slot (once the broker has seen the close).
        socks.pop().close()
        deadline = time.time() + 5
        while True:
            again = connect_from("127.0.0.1", b.port)
            if api_versions_ok(again):
                socks.append(again)
                break
            again.close()
            assert time.time() < deadline, "the closed connection's slot was never freed"
            time.sleep(0.1)
        s = metrics(admin_port)
        rejected = value(s, "bulwark_connections_rejected_total", reason="max.connections.per.ip")
        assert rejected >= 2
    finally:
        for s in socks:
            s.close()
        assert b.stop() == 0
    assert "over max.connections.per.ip" in b.output()


def test_serve_refuses_root_without_the_override(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("the refusal applies to root only")
    b = Broker(tmp_path, {"bulwark.allow.root": "false"})
    r = subprocess.run([str(BINARY), "serve", "--config", str(b.config)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 1
    assert "refusing to run as root" in r.stderr
    assert "--allow-root" in r.stderr
    assert not (tmp_path / "data").exists(), "nothing is created before the refusal"


def broker_in(path, props):
    path.mkdir()
    return Broker(path, props)


def test_production_mode_refuses_a_high_finding_unless_overridden(tmp_path):
    b = broker_in(tmp_path / "prod", {"bulwark.mode": "production", "super.users": "User:*"})
    r = subprocess.run([str(BINARY), "serve", "--config", str(b.config)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 1
    assert "production mode refuses to start" in r.stderr
    assert "wildcard-super-user" in r.stderr
    assert "bulwark.doctor.override=wildcard-super-user" in r.stderr
    # Development mode (the default) starts and logs the finding.
    dev = broker_in(tmp_path / "dev", {"super.users": "User:*"}).start()
    assert dev.stop() == 0
    assert "wildcard-super-user" in dev.output()
    # Production mode with the finding overridden starts.
    over = broker_in(tmp_path / "over", {"bulwark.mode": "production", "super.users": "User:*",
                                         "bulwark.doctor.override": "wildcard-super-user"}).start()
    assert over.stop() == 0


def test_json_logs_with_a_level_per_subsystem(tmp_path):
    b = Broker(tmp_path, {"bulwark.log.format": "json", "bulwark.log.level": "warning",
                          "bulwark.log.level.storage": "info"}).start()
    assert b.stop() == 0
    records = [json.loads(line) for line in b.output().splitlines() if line.startswith("{")]
    assert records, b.output()
    assert all(r["level"] in ("warning", "error", "critical") for r in records if r["subsystem"] != "storage")
    storage = [r for r in records if r["subsystem"] == "storage"]
    assert any(r["level"] == "info" and r["message"].startswith("opened ") for r in storage), storage
    # The broker's own info lines ("listening", "stopped") are below its level.
    assert not any(r["message"] in ("listening", "stopped") for r in records)
    # Every line is JSON: nothing else reaches stdout or stderr.
    assert all(line.startswith("{") for line in b.output().splitlines() if line)


def test_systemd_unit_is_sandboxed_and_verifies(tmp_path):
    from broker import ROOT
    import shutil
    unit = (ROOT / "deploy" / "bulwark.service").read_text()
    directives = {}
    for line in unit.splitlines():
        if "=" in line and not line.startswith("#"):
            k, v = line.split("=", 1)
            directives.setdefault(k.strip(), []).append(v.strip())
    for key, want in {"User": "bulwark", "NoNewPrivileges": "yes", "ProtectSystem": "strict", "PrivateTmp": "yes",
                      "CapabilityBoundingSet": "", "AmbientCapabilities": "", "StateDirectory": "bulwark",
                      "ProtectHome": "yes"}.items():
        assert directives.get(key) == [want], (key, directives.get(key))
    assert "--allow-root" not in unit
    assert directives["ExecStart"][0].endswith("bulwark serve --config /etc/bulwark/server.properties")
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    local = tmp_path / "bulwark.service"
    local.write_text(unit.replace("/usr/local/bin/bulwark", str(BINARY)))
    r = subprocess.run(["systemd-analyze", "verify", str(local)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "bulwark.service" not in r.stderr, r.stderr


def test_key_versions_and_certificate_expiry_metrics(tmp_path):
    from broker import ROOT
    env = dict(os.environ, DAYS="365")
    certs = tmp_path / "certs"
    r = subprocess.run(["sh", str(ROOT / "Certs" / "make-certs.sh"), str(certs)], env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    key = tmp_path / "master.key"
    r = subprocess.run([str(BINARY), "keys", "generate-master-key", str(key)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    admin_port = free_port()
    (tmp_path / "b").mkdir()
    b = security_broker(tmp_path / "b", [("SSL", "SSL")], {
        "ssl.keystore.type": "PEM", "ssl.keystore.location": str(certs / "broker-keystore.pem"),
        "bulwark.encryption.enabled": "true", "bulwark.encryption.master.key.file": str(key),
        "auto.create.topics.enable": "true", "bulwark.admin.listener": f"http://127.0.0.1:{admin_port}",
    }, with_users=False).start()
    try:
        r = subprocess.run(["kcat", "-b", b.bootstrap, "-X", "security.protocol=SSL", "-X", f"ssl.ca.location={certs / 'ca.pem'}",
                            "-P", "-t", "sealed"], input="s-1\ns-2\n", capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        s = metrics(admin_port)
        assert value(s, "bulwark_key_versions", scope="topic:sealed") == 1
        assert value(s, "bulwark_key_version_current", scope="topic:sealed") == 1
        left = value(s, "bulwark_tls_certificate_expiry_seconds", listener="SSL")
        assert 364 * 86400 < left <= 365 * 86400
        assert value(s, "bulwark_bytes_in_total", topic="sealed", tenant="default") > 0
    finally:
        assert b.stop() == 0


def test_admin_listener_over_tls_with_basic_authentication(tmp_path):
    import base64
    import ssl
    from broker import ROOT
    certs = tmp_path / "certs"
    r = subprocess.run(["sh", str(ROOT / "Certs" / "make-certs.sh"), str(certs)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    password = tmp_path / "admin.password"
    password.write_text("sc4pe-Pa55-0f1e\n")
    password.chmod(0o600)
    admin_port = free_port()
    (tmp_path / "b").mkdir()
    b = Broker(tmp_path / "b", {
        "bulwark.admin.listener": f"https://127.0.0.1:{admin_port}",
        "listener.name.admin.ssl.keystore.location": str(certs / "broker-keystore.pem"),
        "bulwark.admin.user": "prometheus",
        "bulwark.admin.password.file": str(password),
    }).start()
    ctx = ssl.create_default_context(cafile=str(certs / "ca.pem"))

    def get(path, user=None, pw=None):
        headers = {}
        if user is not None:
            headers["Authorization"] = "Basic " + base64.b64encode(f"{user}:{pw}".encode()).decode()
        req = urllib.request.Request(f"https://127.0.0.1:{admin_port}{path}", headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=5, context=ctx) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    try:
        assert get("/health/ready") == (200, "ready\n")
        assert get("/metrics")[0] == 401
        assert get("/metrics", "prometheus", "wrong")[0] == 401
        assert get("/metrics", "someone", "sc4pe-Pa55-0f1e")[0] == 401
        status, body = get("/metrics", "prometheus", "sc4pe-Pa55-0f1e")
        assert status == 200 and "bulwark_ready 1" in body
        # Plain HTTP on the TLS port gets no answer.
        assert http_get_or_none(admin_port, "/health/live") is None
    finally:
        assert b.stop() == 0
    assert "sc4pe-Pa55-0f1e" not in b.output()
