"""Helpers for the security tests: a broker with SASL/TLS listeners, users created with the
real `bulwark users add`, certificates generated with openssl at test time, raw frames."""
import socket
import struct
import subprocess
from pathlib import Path

from broker import BINARY, Broker, free_port

PASSWORDS = {"alice": "alice-Pa55-word-9f3c", "bob": "bob-Pa55-word-71ad"}
FAILED = "Authentication failed during authentication due to invalid credentials with SASL mechanism {}"


def users(*args, stdin=None):
    return subprocess.run([str(BINARY), "users", *args], input=stdin, capture_output=True, text=True, timeout=30)


def add_user(data_dir, name, password, mechanism, iterations=4096):
    r = users("add", name, "--mechanism", mechanism, "--iterations", str(iterations), "--password-stdin",
              "--data-dir", str(data_dir), stdin=password + "\n")
    assert r.returncode == 0, r.stderr
    return r


def security_broker(tmp_path, listeners, extra=None, with_users=True):
    """listeners: [(name, protocol)], the first is the bootstrap one. Returns an unstarted Broker."""
    ports = {name: free_port() for name, _ in listeners}
    props = {
        "listeners": ",".join(f"{name}://127.0.0.1:{ports[name]}" for name, _ in listeners),
        "listener.security.protocol.map": ",".join(f"{name}:{proto}" for name, proto in listeners),
    }
    props.update(extra or {})
    b = Broker(tmp_path, props)
    b.ports = ports
    b.port = ports[listeners[0][0]]
    b.bootstrap = f"127.0.0.1:{b.port}"
    if with_users:
        data = b.data_dir / "data"
        add_user(data, "alice", PASSWORDS["alice"], "SCRAM-SHA-512", 8192)
        add_user(data, "alice", PASSWORDS["alice"], "SCRAM-SHA-256")
        add_user(data, "bob", PASSWORDS["bob"], "SCRAM-SHA-256")
    return b


def openssl(*args, cwd):
    r = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr


def make_ca(directory, name):
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/O=Bulwark Test/CN={name}",
            "-keyout", f"{name}.key", "-out", f"{name}.pem", cwd=directory)


def make_cert(directory, ca, name, subject, san=None):
    ext = directory / f"{name}.ext"
    ext.write_text(f"subjectAltName={san}\n" if san else "basicConstraints=CA:FALSE\n")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", f"{name}.key", "-out", f"{name}.csr",
            cwd=directory)
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key", "-CAcreateserial",
            "-days", "2", "-extfile", ext.name, "-out", f"{name}.pem", cwd=directory)


def make_certs(directory):
    """A CA, a server cert for 127.0.0.1/localhost (key + chain in one PEM), a client cert from
    the CA, and a client cert from a CA the broker does not trust."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    make_ca(d, "ca")
    make_ca(d, "rogue-ca")
    make_cert(d, "ca", "server", "/O=Bulwark Test/CN=localhost", "IP:127.0.0.1,DNS:localhost")
    make_cert(d, "ca", "client", "/O=Bulwark Test/OU=clients/CN=client-1")
    make_cert(d, "rogue-ca", "rogue", "/O=Bulwark Test/OU=clients/CN=client-1")
    make_cert(d, "ca", "spiffe", "/O=Bulwark Test/CN=orders", "URI:spiffe://bulwark.test/ns/payments/sa/orders")
    (d / "server-keystore.pem").write_text((d / "server.key").read_text() + (d / "server.pem").read_text())
    return d


# Raw Kafka frames, for the cases no client library produces.

def request(api_key, version, correlation_id, body, client_id="raw-test"):
    cid = client_id.encode()
    header = struct.pack(">hhih", api_key, version, correlation_id, len(cid)) + cid
    payload = header + body
    return struct.pack(">i", len(payload)) + payload


def kstring(s):
    b = s.encode()
    return struct.pack(">h", len(b)) + b


def kbytes(b):
    return struct.pack(">i", len(b)) + b


def read_frame(sock):
    head = recv_exact(sock, 4)
    if head is None:
        return None
    (n,) = struct.unpack(">i", head)
    return recv_exact(sock, n)


def recv_exact(sock, n):
    out = b""
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            return None
        out += chunk
    return out


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    return s


def closed_by_peer(sock):
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
