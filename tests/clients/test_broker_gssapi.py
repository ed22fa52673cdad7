"""SASL/GSSAPI against the real broker and a real MIT KDC (tests/kdc/kdc-up.sh, one per
session): kcat over SASL_SSL, confluent-kafka 2.0.2 built against Debian's librdkafka (the
PyPI wheel has no GSSAPI), kafka-python, and raw SaslAuthenticate exchanges whose tokens come
from the `gssapi` package, for replays, wrong services and refused security layers."""
import json
import os
import struct
import subprocess
import textwrap
from pathlib import Path

import pytest

from broker import BINARY, Broker, free_port
from security import FAILED, closed_by_peer, connect, kbytes, kstring, make_certs, read_frame, request

ROOT = Path(__file__).resolve().parents[2]
KDC_UP = ROOT / "tests" / "kdc" / "kdc-up.sh"
KDC_DOWN = ROOT / "tests" / "kdc" / "kdc-down.sh"
RDKAFKA_PYTHON = ROOT / ".venv-rdkafka202" / "bin" / "python"
GSSAPI_FAILED = FAILED.format("GSSAPI")
SASL_AUTHENTICATION_FAILED = 58


class Kdc:
    def __init__(self, directory, env):
        self.dir = Path(directory)
        self.env = env
        self.realm = env["KDC_REALM"]

    def keytab(self, name):
        return self.dir / f"{name}.keytab"

    def kinit(self, user, ccache):
        """A ticket cache for `user` from its keytab, as `kinit -k -t` makes it."""
        r = subprocess.run(["kinit", "-k", "-t", str(self.keytab(user)), f"{user}@{self.realm}"],
                           env={**os.environ, "KRB5CCNAME": f"FILE:{ccache}"}, capture_output=True, text=True,
                           timeout=30)
        assert r.returncode == 0, r.stderr
        return ccache


@pytest.fixture(scope="session")
def kdc(tmp_path_factory):
    directory = tmp_path_factory.mktemp("kdc")
    r = subprocess.run(["bash", str(KDC_UP), str(directory), str(free_port())], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    env = dict(line[len("export "):].split("=", 1) for line in r.stdout.splitlines() if line.startswith("export "))
    # The broker (started by Broker with this process's environment) and the in-process
    # clients read these; nothing here may fall back to /etc/krb5.conf.
    saved = {k: os.environ.get(k) for k in ("KRB5_CONFIG", "KRB5RCACHEDIR", "KRB5CCNAME")}
    os.environ["KRB5_CONFIG"] = env["KRB5_CONFIG"]
    os.environ["KRB5RCACHEDIR"] = env["KRB5RCACHEDIR"]
    os.environ.pop("KRB5CCNAME", None)
    yield Kdc(directory, env)
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    subprocess.run(["bash", str(KDC_DOWN), str(directory)], timeout=30)


def jaas(keytab, principal):
    return (f'com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true storeKey=true '
            f'keyTab="{keytab}" principal="{principal}";')


def gssapi_props(kdc, proto, port, extra=None):
    """A broker whose one listener offers GSSAPI as kafka/localhost; clients must reach it as
    `localhost` (they ask for a ticket to kafka/<the host they connect to>)."""
    props = {
        "listeners": f"{proto}://127.0.0.1:{port}",
        "advertised.listeners": f"{proto}://localhost:{port}",
        "listener.security.protocol.map": f"{proto}:{proto}",
        "sasl.enabled.mechanisms": "GSSAPI",
        "sasl.kerberos.service.name": "kafka",
        f"listener.name.{proto.lower()}.gssapi.sasl.jaas.config": jaas(kdc.keytab("kafka"), f"kafka/localhost@{kdc.realm}"),
    }
    props.update(extra or {})
    return props


def start_broker(tmp_path, props, port):
    b = Broker(tmp_path, props)
    b.port = port
    b.bootstrap = f"localhost:{port}"
    return b.start()


@pytest.fixture
def gss(tmp_path, kdc):
    port = free_port()
    b = start_broker(tmp_path, gssapi_props(kdc, "SASL_PLAINTEXT", port), port)
    yield b
    code = b.stop()
    assert code == 0, f"bulwark exited {code}:\n{b.output()[-3000:]}"


@pytest.fixture(scope="session")
def certs(tmp_path_factory):
    return make_certs(tmp_path_factory.mktemp("gss-certs"))


# Raw SASL/GSSAPI: tokens from the `gssapi` package, frames by hand.

def initiator(kdc, ccache, service="kafka@localhost"):
    """A fresh client security context; its first step() is a new AP-REQ."""
    import gssapi
    creds = gssapi.Credentials(usage="initiate", store={"ccache": f"FILE:{ccache}"})
    name = gssapi.Name(service, gssapi.NameType.hostbased_service)
    return gssapi.SecurityContext(name=name, creds=creds, usage="initiate", mech=gssapi.MechType.kerberos,
                                  flags=[gssapi.RequirementFlag.mutual_authentication])


def handshake(sock, correlation=1):
    sock.sendall(request(17, 1, correlation, kstring("GSSAPI")))
    frame = read_frame(sock)
    (cid, error) = struct.unpack(">ih", frame[:6])
    assert (cid, error) == (correlation, 0)


def authenticate(sock, token, correlation):
    """One SaslAuthenticate v1 round: (error code, error message, auth bytes); None if closed."""
    sock.sendall(request(36, 1, correlation, kbytes(token)))
    frame = read_frame(sock)
    if frame is None:
        return None
    (cid, error, n) = struct.unpack(">ihh", frame[:8])
    assert cid == correlation
    pos = 8
    message = None
    if n >= 0:
        message = frame[pos:pos + n].decode()
        pos += n
    (m,) = struct.unpack(">i", frame[pos:pos + 4])
    pos += 4
    auth = frame[pos:pos + max(m, 0)]
    return error, message, auth


def full_exchange(sock, ctx, first_token, layer=b"\x01\x00\x00\x00"):
    """AP-REQ, the empty answer to AP-REP, the layer choice; returns the last round's result."""
    handshake(sock)
    error, message, reply = authenticate(sock, first_token, 2)
    if error:
        return error, message
    ctx.step(reply)
    assert ctx.complete
    error, message, offer = authenticate(sock, b"", 3)
    if error:
        return error, message
    # Bulwark offers exactly "no security layer" with a maximum message size of 0.
    assert ctx.unwrap(offer).message == b"\x01\x00\x00\x00"
    error, message, last = authenticate(sock, ctx.wrap(layer + b"kafka@localhost", False).message, 4)
    assert last == b""
    return error, message


def metadata_ok(sock):
    sock.sendall(request(3, 1, 9, struct.pack(">i", -1)))
    frame = read_frame(sock)
    return frame is not None and struct.unpack(">i", frame[:4])[0] == 9


def test_raw_exchange_authenticates_and_serves(gss, kdc, tmp_path):
    ccache = kdc.kinit("alice", tmp_path / "alice.cc")
    ctx = initiator(kdc, ccache)
    with connect(gss.port) as s:
        assert full_exchange(s, ctx, ctx.step()) == (0, None)
        assert metadata_ok(s)
    assert f"principal=User:alice" in gss.output() or '"principal": "User:alice"' in gss.output()


def test_replayed_ap_req_fails(gss, kdc, tmp_path):
    ccache = kdc.kinit("alice", tmp_path / "alice.cc")
    ctx = initiator(kdc, ccache)
    token = ctx.step()
    with connect(gss.port) as s:
        assert full_exchange(s, ctx, token) == (0, None)
    # The same AP-REQ on a second connection: the replay cache refuses it.
    with connect(gss.port) as s:
        handshake(s)
        error, message, _ = authenticate(s, token, 2)
        assert (error, message) == (SASL_AUTHENTICATION_FAILED, GSSAPI_FAILED)
        assert closed_by_peer(s)
    log = gss.output()
    assert "replay" in log.lower(), log[-2000:]
    assert "127.0.0.1" in log


@pytest.mark.parametrize("service", ["other@localhost", "kafka@127.0.0.1"])
def test_ticket_for_another_service_fails(gss, kdc, tmp_path, service):
    ccache = kdc.kinit("bob", tmp_path / "bob.cc")
    ctx = initiator(kdc, ccache, service)
    with connect(gss.port) as s:
        handshake(s)
        error, message, _ = authenticate(s, ctx.step(), 2)
        assert (error, message) == (SASL_AUTHENTICATION_FAILED, GSSAPI_FAILED)
        assert closed_by_peer(s)
    assert "principal=User:bob" not in gss.output()


def test_garbage_token_and_refused_layer_fail_alike(gss, kdc, tmp_path):
    with connect(gss.port) as s:
        handshake(s)
        error, message, _ = authenticate(s, b"\x60\x05not-a-kerberos-token", 2)
        assert (error, message) == (SASL_AUTHENTICATION_FAILED, GSSAPI_FAILED)
    # A client that picks the confidentiality layer (0x04), which was not offered.
    ccache = kdc.kinit("alice", tmp_path / "alice.cc")
    ctx = initiator(kdc, ccache)
    with connect(gss.port) as s:
        assert full_exchange(s, ctx, ctx.step(), layer=b"\x04\x00\x10\x00") == (SASL_AUTHENTICATION_FAILED, GSSAPI_FAILED)
        assert closed_by_peer(s)
    log = gss.output()
    assert "only 0x01 is offered" in log
    assert "principal=User:alice" not in log


def test_principal_to_local_rules(tmp_path, kdc):
    # alice becomes ALICE by the rule; bob matches no rule, so he is refused.
    rules = f"RULE:[1:$1@$0](alice@{kdc.realm})s/@.*//U, RULE:[2:$1](kafka)"
    port = free_port()
    b = start_broker(tmp_path, gssapi_props(kdc, "SASL_PLAINTEXT", port,
                                            {"sasl.kerberos.principal.to.local.rules": rules}), port)
    try:
        ctx = initiator(kdc, kdc.kinit("alice", tmp_path / "alice.cc"))
        with connect(port) as s:
            assert full_exchange(s, ctx, ctx.step()) == (0, None)
            assert metadata_ok(s)
        ctx = initiator(kdc, kdc.kinit("bob", tmp_path / "bob.cc"))
        with connect(port) as s:
            assert full_exchange(s, ctx, ctx.step()) == (SASL_AUTHENTICATION_FAILED, GSSAPI_FAILED)
        log = b.output()
        assert "principal=User:ALICE" in log, log[-2000:]
        assert "User:alice" not in log and "User:bob" not in log and "User:BOB" not in log
        assert f"No rules apply to bob@{kdc.realm}" in log
    finally:
        assert b.stop() == 0


# Real clients.

def create_topic_kafka_python(bootstrap, name, auth):
    from kafka.admin import KafkaAdminClient, NewTopic
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000, **auth)
    admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1)])
    admin.close()


def test_kafka_python_gssapi(gss, kdc, tmp_path, monkeypatch):
    from kafka import KafkaConsumer, KafkaProducer
    monkeypatch.setenv("KRB5CCNAME", f"FILE:{kdc.kinit('alice', tmp_path / 'alice.cc')}")
    auth = dict(security_protocol="SASL_PLAINTEXT", sasl_mechanism="GSSAPI", sasl_kerberos_service_name="kafka")
    create_topic_kafka_python(gss.bootstrap, "gss-kp", auth)
    producer = KafkaProducer(bootstrap_servers=gss.bootstrap, request_timeout_ms=15000, max_block_ms=20000, **auth)
    for i in range(5):
        producer.send("gss-kp", key=f"k{i}".encode(), value=f"kafka-python-{i}".encode())
    producer.flush(timeout=20)
    producer.close()
    consumer = KafkaConsumer("gss-kp", bootstrap_servers=gss.bootstrap, auto_offset_reset="earliest",
                             consumer_timeout_ms=8000, group_id=None, **auth)
    got = [(m.key, m.value) for m in consumer]
    consumer.close()
    assert got == [(f"k{i}".encode(), f"kafka-python-{i}".encode()) for i in range(5)]
    assert "principal=User:alice" in gss.output()


def test_kcat_gssapi_over_sasl_ssl(tmp_path, kdc, certs, monkeypatch):
    port = free_port()
    props = gssapi_props(kdc, "SASL_SSL", port, {
        "ssl.keystore.type": "PEM", "ssl.keystore.location": str(certs / "server-keystore.pem"),
        "ssl.truststore.type": "PEM", "ssl.truststore.location": str(certs / "ca.pem"),
    })
    b = start_broker(tmp_path, props, port)
    try:
        ccache = tmp_path / "alice-kcat.cc"
        monkeypatch.setenv("KRB5CCNAME", f"FILE:{kdc.kinit('alice', tmp_path / 'alice.cc')}")
        create_topic_kafka_python(b.bootstrap, "gss-kcat", dict(
            security_protocol="SASL_SSL", sasl_mechanism="GSSAPI", sasl_kerberos_service_name="kafka",
            ssl_cafile=str(certs / "ca.pem")))

        def kcat(*args, stdin=None):
            # librdkafka runs kinit itself with the keytab and principal it is given.
            cmd = ["kcat", "-b", b.bootstrap, "-X", "broker.address.family=v4", "-X", "security.protocol=SASL_SSL",
                   "-X", f"ssl.ca.location={certs / 'ca.pem'}", "-X", "sasl.mechanisms=GSSAPI",
                   "-X", "sasl.kerberos.service.name=kafka", "-X", f"sasl.kerberos.keytab={kdc.keytab('alice')}",
                   "-X", f"sasl.kerberos.principal=alice@{kdc.realm}", *args]
            return subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=60,
                                  env={**os.environ, "KRB5CCNAME": f"FILE:{ccache}"})

        lines = [f"kcat-gss-{i}" for i in range(12)]
        r = kcat("-P", "-t", "gss-kcat", stdin="\n".join(lines) + "\n")
        assert r.returncode == 0, r.stderr
        r = kcat("-C", "-t", "gss-kcat", "-o", "beginning", "-e", "-J")
        assert r.returncode == 0, r.stderr
        assert [json.loads(l)["payload"] for l in r.stdout.splitlines() if l.startswith("{")] == lines
        log = b.output()
        assert "mechanism=GSSAPI" in log and "principal=User:alice" in log
    finally:
        assert b.stop() == 0


CONFLUENT_SCRIPT = textwrap.dedent("""
    import json, sys
    from confluent_kafka import Consumer, Producer
    from confluent_kafka.admin import AdminClient, NewTopic
    bootstrap, keytab, principal = sys.argv[1:4]
    conf = {"bootstrap.servers": bootstrap, "broker.address.family": "v4", "security.protocol": "SASL_PLAINTEXT",
            "sasl.mechanisms": "GSSAPI", "sasl.kerberos.service.name": "kafka",
            "sasl.kerberos.keytab": keytab, "sasl.kerberos.principal": principal}
    admin = AdminClient(conf)
    admin.create_topics([NewTopic("gss-ck", num_partitions=1, replication_factor=1)])["gss-ck"].result(timeout=30)
    p = Producer(conf)
    for i in range(6):
        p.produce("gss-ck", key=f"ck{i}".encode(), value=f"confluent-{i}".encode())
    assert p.flush(30) == 0
    c = Consumer({**conf, "group.id": "gss-ck-group", "auto.offset.reset": "earliest"})
    c.subscribe(["gss-ck"])
    got = []
    for _ in range(60):
        m = c.poll(1.0)
        if m is None or m.error():
            continue
        got.append([m.key().decode(), m.value().decode()])
        if len(got) == 6:
            break
    c.close()
    import confluent_kafka
    print(json.dumps({"version": confluent_kafka.libversion()[0], "got": got}))
""")


def test_confluent_kafka_202_gssapi(gss, kdc, tmp_path):
    assert RDKAFKA_PYTHON.exists(), "run scripts/setup.sh: it builds .venv-rdkafka202 (confluent-kafka 2.0.2 from source)"
    r = subprocess.run([str(RDKAFKA_PYTHON), "-c", CONFLUENT_SCRIPT, gss.bootstrap, str(kdc.keytab("bob")),
                        f"bob@{kdc.realm}"], capture_output=True, text=True, timeout=120,
                       env={**os.environ, "KRB5CCNAME": f"FILE:{tmp_path / 'bob-ck.cc'}"})
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["version"] == "2.0.2"
    assert out["got"] == [[f"ck{i}", f"confluent-{i}"] for i in range(6)]
    assert "principal=User:bob" in gss.output()


# Start-up checks.

def serve_fails(tmp_path, props):
    b = Broker(tmp_path, props)
    r = subprocess.run([str(BINARY), "serve", "--config", str(b.config)], capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    return r


def test_missing_keytab_fails_start_up(tmp_path, kdc):
    props = gssapi_props(kdc, "SASL_PLAINTEXT", free_port())
    key = "listener.name.sasl_plaintext.gssapi.sasl.jaas.config"
    props[key] = jaas(tmp_path / "nope.keytab", f"kafka/localhost@{kdc.realm}")
    r = serve_fails(tmp_path, props)
    assert f"invalid configuration {key}: keyTab {tmp_path / 'nope.keytab'} does not exist or is not a readable file" in r.stderr


def test_malformed_jaas_names_the_key(tmp_path, kdc):
    props = gssapi_props(kdc, "SASL_PLAINTEXT", free_port())
    props.pop("listener.name.sasl_plaintext.gssapi.sasl.jaas.config")
    props["sasl.jaas.config"] = f'com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true keyTab="{kdc.keytab("kafka")}";'
    r = serve_fails(tmp_path, props)
    assert "invalid configuration sasl.jaas.config: principal is missing" in r.stderr


def test_keytab_without_the_principal_fails_start_up(tmp_path, kdc):
    props = gssapi_props(kdc, "SASL_PLAINTEXT", free_port())
    props["listener.name.sasl_plaintext.gssapi.sasl.jaas.config"] = jaas(kdc.keytab("other"), f"kafka/localhost@{kdc.realm}")
    r = serve_fails(tmp_path, props)
    assert f"acquiring acceptor credentials for kafka/localhost@{kdc.realm} from {kdc.keytab('other')}" in r.stderr


def test_broker_wide_jaas_config_is_used(tmp_path, kdc):
    port = free_port()
    props = gssapi_props(kdc, "SASL_PLAINTEXT", port)
    props["sasl.jaas.config"] = props.pop("listener.name.sasl_plaintext.gssapi.sasl.jaas.config")
    b = start_broker(tmp_path, props, port)
    try:
        ctx = initiator(kdc, kdc.kinit("bob", tmp_path / "bob.cc"))
        with connect(port) as s:
            assert full_exchange(s, ctx, ctx.step()) == (0, None)
        assert "principal=User:bob" in b.output()
    finally:
        assert b.stop() == 0
