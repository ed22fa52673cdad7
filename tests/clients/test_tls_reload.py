"""TLS certificates over a broker's life, against the real broker and certificates made by
Certs/make-certs.sh: replaced files are picked up without SIGHUP and without dropping open
connections, a bad file keeps the previous certificate, a near expiry is warned about, an
encrypted key needs ssl.key.password, and cleartext on a TLS port is dropped quickly."""
import os
import shutil
import socket
import ssl
import struct
import subprocess
import time
from pathlib import Path

import pytest

from broker import BINARY, ROOT
from security import read_frame, request, security_broker

MAKE_CERTS = ROOT / "Certs" / "make-certs.sh"


def make_certs(directory, days=365, key_password=None):
    env = dict(os.environ, DAYS=str(days))
    if key_password:
        env["KEY_PASSWORD"] = key_password
    r = subprocess.run(["sh", str(MAKE_CERTS), str(directory)], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return Path(directory)


def serial(der):
    r = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-serial"], input=der, capture_output=True, timeout=30)
    return r.stdout.decode().strip()


def pem_serial(path):
    r = subprocess.run(["openssl", "x509", "-in", str(path), "-noout", "-serial"], capture_output=True, text=True, timeout=30)
    return r.stdout.strip()


def tls_connect(port):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the test compares the served certificate itself
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    return ctx.wrap_socket(raw)


def api_versions(sock, correlation_id):
    sock.sendall(request(18, 0, correlation_id, b""))
    frame = read_frame(sock)
    return struct.unpack(">ih", frame[:6])


def replace(src, dst):
    tmp = dst.with_suffix(".tmp")
    shutil.copyfile(src, tmp)
    os.replace(tmp, dst)


def wait_for(predicate, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def reloading(tmp_path):
    a = make_certs(tmp_path / "a")
    live = tmp_path / "live"
    live.mkdir()
    shutil.copyfile(a / "broker-keystore.pem", live / "keystore.pem")
    b = security_broker(tmp_path, [("SSL", "SSL")], {"ssl.keystore.type": "PEM",
                                                     "ssl.keystore.location": str(live / "keystore.pem")},
                        with_users=False).start()
    b.certs_a, b.live = a, live
    yield b
    assert b.stop() == 0, b.output()[-3000:]


def test_replaced_files_are_served_to_new_connections_and_old_ones_survive(reloading, tmp_path):
    b = reloading
    old = tls_connect(b.port)
    assert api_versions(old, 1) == (1, 0)
    serial_a = serial(old.getpeercert(binary_form=True))
    assert serial_a == pem_serial(b.certs_a / "broker.pem")

    new_certs = make_certs(tmp_path / "b")
    replace(new_certs / "broker-keystore.pem", b.live / "keystore.pem")
    serial_b = pem_serial(new_certs / "broker.pem")
    assert serial_b != serial_a

    def served():
        s = tls_connect(b.port)
        try:
            return serial(s.getpeercert(binary_form=True))
        finally:
            s.close()
    assert wait_for(lambda: served() == serial_b), b.output()[-2000:]
    assert "TLS files changed; reloading" in b.output()
    # The connection opened before the reload still works.
    assert api_versions(old, 2) == (2, 0)

    # A broken file: logged, the previous certificate stays.
    (b.live / "keystore.pem").write_text("-----BEGIN CERTIFICATE-----\nnot base64\n")
    assert wait_for(lambda: "TLS reload failed; keeping the previous certificates" in b.output())
    assert served() == serial_b
    assert api_versions(old, 3) == (3, 0)

    # A certificate with 10 days left: loaded, and warned about at the reload.
    short = make_certs(tmp_path / "c", days=10)
    replace(short / "broker-keystore.pem", b.live / "keystore.pem")
    assert wait_for(lambda: served() == pem_serial(short / "broker.pem"))
    assert wait_for(lambda: "TLS certificate expires soon" in b.output())
    line = [l for l in b.output().splitlines() if "TLS certificate expires soon" in l][-1]
    assert "days.left=9" in line and "listener=SSL" in line
    old.close()


def test_cleartext_on_a_tls_port_is_dropped_within_a_second(reloading):
    s = socket.create_connection(("127.0.0.1", reloading.port), timeout=5)
    started = time.monotonic()
    s.sendall(request(18, 3, 1, b"\x00\x00\x00"))  # an ApiVersions frame, in the clear
    received = b""
    while True:
        try:
            chunk = s.recv(4096)
        except ConnectionResetError:
            break
        if not chunk:
            break
        received += chunk
    elapsed = time.monotonic() - started
    s.close()
    assert elapsed < 1.0
    # At most a TLS alert record, never a Kafka answer.
    assert received == b"" or received[:1] == b"\x15"
    # The broker still serves TLS clients afterwards.
    t = tls_connect(reloading.port)
    assert api_versions(t, 5) == (5, 0)
    t.close()


def test_encrypted_private_key_needs_ssl_key_password(tmp_path):
    certs = make_certs(tmp_path / "enc", key_password="k3y-Pa55")
    assert "ENCRYPTED PRIVATE KEY" in (certs / "broker-keystore.pem").read_text()
    props = {"ssl.keystore.type": "PEM", "ssl.keystore.location": str(certs / "broker-keystore.pem"),
             "ssl.key.password": "k3y-Pa55"}
    (tmp_path / "ok").mkdir()
    b = security_broker(tmp_path / "ok", [("SSL", "SSL")], props, with_users=False).start()
    try:
        r = subprocess.run(["kcat", "-b", b.bootstrap, "-X", "security.protocol=SSL",
                            "-X", f"ssl.ca.location={certs / 'ca.pem'}", "-L"], capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        assert "1 brokers" in r.stdout
        assert "k3y-Pa55" not in b.output()
    finally:
        assert b.stop() == 0
    # A wrong password: the broker does not start, says which setting, and never echoes it.
    (tmp_path / "bad").mkdir()
    bad = security_broker(tmp_path / "bad", [("SSL", "SSL")], dict(props, **{"ssl.key.password": "wr0ng-pass"}),
                          with_users=False)
    r = subprocess.run([str(BINARY), "serve", "--config", str(bad.config)], capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert "cannot load the key store" in r.stderr + r.stdout
    assert "wr0ng-pass" not in r.stderr + r.stdout
