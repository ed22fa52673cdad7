"""SASL authentications per second against a real `bulwark`, and the unknown-user versus
wrong-password timing check. A raw-socket client per connection: SaslHandshake v1, then
the mechanism's SaslAuthenticate v1 rounds (two for SCRAM), then close.

    python bench/auth_bench.py --bin .build/release/bulwark --seconds 10 --workers 4
    python bench/auth_bench.py --bin ... --timing 2000      # unknown user vs wrong password

Mechanisms plug in as classes with `name`, `first() -> bytes` and `next(server) -> bytes | None`
(None: the exchange is over); see Scram below. The broker is started with the failure delay
and the per-address limit off, so failures are measured, not throttled.
"""
import argparse
import base64
import hashlib
import hmac
import multiprocessing
import os
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
USER, PASSWORD = "bench", "bench-Pa55-word"


# --- Kafka framing -------------------------------------------------------------------------

def frame(api_key, version, correlation_id, body, client_id=b"auth-bench"):
    payload = struct.pack(">hhih", api_key, version, correlation_id, len(client_id)) + client_id + body
    return struct.pack(">i", len(payload)) + payload


def read_frame(sock):
    head = recv_exact(sock, 4)
    return recv_exact(sock, struct.unpack(">i", head)[0])


def recv_exact(sock, n):
    out = bytearray()
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            raise ConnectionError("closed by broker")
        out += chunk
    return bytes(out)


def handshake(sock, mechanism):
    name = mechanism.encode()
    sock.sendall(frame(17, 1, 1, struct.pack(">h", len(name)) + name))
    corr, code = struct.unpack(">ih", read_frame(sock)[:6])
    if code != 0:
        raise RuntimeError(f"SaslHandshake error {code}")


def authenticate(sock, correlation_id, token):
    """One SaslAuthenticate v1 round: (error code, server bytes)."""
    sock.sendall(frame(36, 1, correlation_id, struct.pack(">i", len(token)) + token))
    body = read_frame(sock)
    _, code, n = struct.unpack(">ihh", body[:8])
    rest = body[8 + max(n, 0):]
    (blen,) = struct.unpack(">i", rest[:4])
    return code, rest[4:4 + max(blen, 0)]


# --- Mechanisms ------------------------------------------------------------------------------

class Scram:
    """RFC 5802 client. The salted password is cached per (salt, iterations), as a
    long-lived client would: the benchmark measures the broker's cost, not the client's PBKDF2."""
    cache = {}

    def __init__(self, algorithm, user, password):
        self.hash = {"SCRAM-SHA-256": "sha256", "SCRAM-SHA-512": "sha512"}[algorithm]
        self.name = algorithm
        self.user, self.password = user, password.encode()
        self.nonce = base64.b64encode(os.urandom(18)).decode()

    def first(self):
        self.bare = f"n={self.user},r={self.nonce}"
        return ("n,," + self.bare).encode()

    def next(self, server):
        text = server.decode()
        if text.startswith("v="):
            return None
        fields = dict(item.split("=", 1) for item in text.split(","))
        salt, iterations = base64.b64decode(fields["s"]), int(fields["i"])
        key = (self.hash, salt, iterations, self.password)
        salted = self.cache.get(key)
        if salted is None:
            salted = self.cache[key] = hashlib.pbkdf2_hmac(self.hash, self.password, salt, iterations)
        client_key = hmac.new(salted, b"Client Key", self.hash).digest()
        stored = hashlib.new(self.hash, client_key).digest()
        without_proof = f"c=biws,r={fields['r']}"
        message = f"{self.bare},{text},{without_proof}".encode()
        signature = hmac.new(stored, message, self.hash).digest()
        proof = bytes(a ^ b for a, b in zip(client_key, signature))
        return f"{without_proof},p={base64.b64encode(proof).decode()}".encode()


MECHANISMS = {
    "SCRAM-SHA-512": lambda user, password: Scram("SCRAM-SHA-512", user, password),
    "SCRAM-SHA-256": lambda user, password: Scram("SCRAM-SHA-256", user, password),
}


def login(port, mechanism, user, password):
    """One connection, one full authentication; returns (ok, seconds spent waiting on the broker)."""
    m = MECHANISMS[mechanism](user, password)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        handshake(sock, m.name)
        token, correlation, waited = m.first(), 2, 0.0
        while token is not None:
            t0 = time.perf_counter()
            code, server = authenticate(sock, correlation, token)
            waited += time.perf_counter() - t0
            if code != 0:
                return False, waited
            token = m.next(server)
            correlation += 1
        return True, waited


# --- Broker ----------------------------------------------------------------------------------

def start_broker(binary, directory):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = Path(directory) / "data"
    for alg in ("SCRAM-SHA-512", "SCRAM-SHA-256"):
        subprocess.run([binary, "users", "add", USER, "--mechanism", alg, "--password-stdin", "--data-dir", str(data)],
                       input=PASSWORD + "\n", text=True, check=True, capture_output=True)
    conf = Path(directory) / "server.properties"
    conf.write_text(f"listeners=SASL_PLAINTEXT://127.0.0.1:{port}\nlog.dirs={data}\n"
                    "sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256\n"
                    "bulwark.sasl.failed.attempts.per.minute=0\nconnection.failed.authentication.delay.ms=0\n")
    proc = subprocess.Popen([binary, "serve", "--allow-root", "--config", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("broker did not listen")


def worker(port, mechanism, seconds, queue):
    done = failed = 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        ok, _ = login(port, mechanism, USER, PASSWORD)
        done += ok
        failed += not ok
    queue.put((done, failed))


def throughput(port, mechanism, seconds, workers):
    queue = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=worker, args=(port, mechanism, seconds, queue)) for _ in range(workers)]
    t0 = time.perf_counter()
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - t0
    done = sum(r[0] for r in results)
    failed = sum(r[1] for r in results)
    return done / elapsed, done, failed


def timing(port, mechanism, n):
    """Alternating unknown-user and wrong-password attempts; broker-side wait per attempt.
    Sixteen unknown names in turn, so the client's cached PBKDF2 leaves both sides' client
    work alike (a fresh name each time makes the client, not the broker, busier)."""
    unknown, wrong = [], []
    for i in range(n):
        ok, t = login(port, mechanism, f"ghost{i % 16}", PASSWORD)
        assert not ok
        unknown.append(t * 1e6)
        ok, t = login(port, mechanism, USER, PASSWORD + "x")
        assert not ok
        wrong.append(t * 1e6)
    return unknown, wrong


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(ROOT / ".build/release/bulwark"))
    ap.add_argument("--mechanism", default="SCRAM-SHA-512", choices=sorted(MECHANISMS))
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--timing", type=int, default=0, help="N unknown-user and N wrong-password attempts instead")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bulwark-auth-bench-") as d:
        proc, port = start_broker(args.bin, d)
        try:
            for _ in range(20):  # warm up
                login(port, args.mechanism, USER, PASSWORD)
            if args.timing:
                unknown, wrong = timing(port, args.mechanism, args.timing)
                print(f"| {args.mechanism} failure | n | median µs | p99 µs |")
                print("|---|---|---|---|")
                for label, xs in (("unknown user", unknown), ("wrong password", wrong)):
                    print(f"| {label} | {len(xs)} | {statistics.median(xs):.0f} | {pct(xs, 0.99):.0f} |")
                print(f"median difference: {statistics.median(unknown) - statistics.median(wrong):+.0f} µs")
            else:
                rate, done, failed = throughput(port, args.mechanism, args.seconds, args.workers)
                print(f"{args.mechanism}: {rate:.0f} authentications/s ({done} in {args.seconds:.0f} s, "
                      f"{args.workers} client processes, {failed} failed)")
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)


if __name__ == "__main__":
    sys.exit(main())
