"""SASL/GSSAPI authentication rate of a real bulwark broker against a real MIT KDC.

Starts a throwaway KDC (tests/kdc/kdc-up.sh) and the broker with one SASL_PLAINTEXT listener
offering GSSAPI, gets alice a ticket cache once (kinit -k -t), then has several worker
processes authenticate as fast as they can for a fixed time. Every authentication is a new
TCP connection with a fresh security context, so a fresh AP-REQ (the broker's replay cache
would refuse a reused one): SaslHandshake, AP-REQ -> AP-REP, empty -> wrapped layer offer,
wrapped layer choice -> success. Tokens come from the Python `gssapi` package.

Usage: .venv/bin/python bench/gssapi_auth_bench.py [--binary .build/release/bulwark]
           [--seconds 10] [--workers 4]
Prints one line: authentications, seconds, rate, failures, and the broker's CPU time per
authentication (clients and broker share the machine, so the rate depends on its load).
"""
import argparse
import multiprocessing
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def frame(api_key, version, correlation, body):
    cid = b"gss-bench"
    payload = struct.pack(">hhih", api_key, version, correlation, len(cid)) + cid + body
    return struct.pack(">i", len(payload)) + payload


def read_frame(sock):
    def exact(n):
        out = b""
        while len(out) < n:
            chunk = sock.recv(n - len(out))
            if not chunk:
                raise ConnectionError("closed by the broker")
            out += chunk
        return out
    (n,) = struct.unpack(">i", exact(4))
    return exact(n)


def authenticate_round(sock, token, correlation):
    sock.sendall(frame(36, 1, correlation, struct.pack(">i", len(token)) + token))
    data = read_frame(sock)
    (_, error, n) = struct.unpack(">ihh", data[:8])
    pos = 8 + max(n, 0)
    (m,) = struct.unpack(">i", data[pos:pos + 4])
    return error, data[pos + 4:pos + 4 + max(m, 0)]


def one_authentication(port, creds, name):
    import gssapi
    ctx = gssapi.SecurityContext(name=name, creds=creds, usage="initiate", mech=gssapi.MechType.kerberos,
                                 flags=[gssapi.RequirementFlag.mutual_authentication])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.sendall(frame(17, 1, 1, struct.pack(">h", 6) + b"GSSAPI"))
        if struct.unpack(">ih", read_frame(s)[:6])[1] != 0:
            return False
        error, reply = authenticate_round(s, ctx.step(), 2)
        if error:
            return False
        ctx.step(reply)
        error, offer = authenticate_round(s, b"", 3)
        if error or ctx.unwrap(offer).message[:1] != b"\x01":
            return False
        error, _ = authenticate_round(s, ctx.wrap(b"\x01\x00\x00\x00", False).message, 4)
        return error == 0


def worker(port, ccache, seconds, start_at, results):
    import gssapi
    creds = gssapi.Credentials(usage="initiate", store={"ccache": f"FILE:{ccache}"})
    name = gssapi.Name("kafka@localhost", gssapi.NameType.hostbased_service)
    while time.time() < start_at:
        time.sleep(0.001)
    done = failed = 0
    deadline = start_at + seconds
    while time.time() < deadline:
        if one_authentication(port, creds, name):
            done += 1
        else:
            failed += 1
    results.put((done, failed))


def cpu_seconds(pid):
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=str(ROOT / ".build/release/bulwark"))
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--workers", type=int, default=4)
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="gss-bench-"))
    kdc_dir = work / "kdc"
    out = subprocess.run(["bash", str(ROOT / "tests/kdc/kdc-up.sh"), str(kdc_dir), str(free_port())],
                         capture_output=True, text=True, check=True).stdout
    env = dict(line[len("export "):].split("=", 1) for line in out.splitlines() if line.startswith("export "))
    os.environ["KRB5_CONFIG"] = env["KRB5_CONFIG"]
    os.environ["KRB5RCACHEDIR"] = env["KRB5RCACHEDIR"]
    realm = env["KDC_REALM"]
    broker = None
    try:
        port = free_port()
        (work / "data").mkdir()
        props = {
            "node.id": "0", "log.dirs": str(work / "data"),
            "listeners": f"SASL_PLAINTEXT://127.0.0.1:{port}",
            "advertised.listeners": f"SASL_PLAINTEXT://localhost:{port}",
            "listener.security.protocol.map": "SASL_PLAINTEXT:SASL_PLAINTEXT",
            "sasl.enabled.mechanisms": "GSSAPI",
            "sasl.jaas.config": ("com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true "
                                 f'keyTab="{kdc_dir}/kafka.keytab" principal="kafka/localhost@{realm}";'),
        }
        (work / "server.properties").write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        log = open(work / "broker.log", "wb")
        broker = subprocess.Popen([args.binary, "serve", "--allow-root", "--config", str(work / "server.properties")],
                                  stdout=log, stderr=subprocess.STDOUT)
        for _ in range(400):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        ccache = work / "alice.cc"
        subprocess.run(["kinit", "-k", "-t", str(kdc_dir / "alice.keytab"), f"alice@{realm}"], check=True,
                       env={**os.environ, "KRB5CCNAME": f"FILE:{ccache}"})
        # One warm-up authentication also puts the service ticket into the cache.
        import gssapi
        creds = gssapi.Credentials(usage="initiate", store={"ccache": f"FILE:{ccache}"})
        assert one_authentication(port, creds, gssapi.Name("kafka@localhost", gssapi.NameType.hostbased_service))

        cpu_before = cpu_seconds(broker.pid)
        results = multiprocessing.Queue()
        start_at = time.time() + 0.5
        procs = [multiprocessing.Process(target=worker, args=(port, ccache, args.seconds, start_at, results))
                 for _ in range(args.workers)]
        for p in procs:
            p.start()
        totals = [results.get(timeout=args.seconds + 60) for _ in procs]
        for p in procs:
            p.join()
        broker_cpu = cpu_seconds(broker.pid) - cpu_before
        done = sum(t[0] for t in totals)
        failed = sum(t[1] for t in totals)
        print(f"gssapi authentications: {done} in {args.seconds:.0f} s = {done / args.seconds:.0f} auth/s "
              f"({args.workers} client processes, {failed} failures); broker CPU {broker_cpu:.2f} s = "
              f"{1000 * broker_cpu / max(done, 1):.2f} ms per authentication")
        return 0 if failed == 0 else 1
    finally:
        if broker is not None:
            broker.terminate()
            broker.wait(timeout=30)
        subprocess.run(["bash", str(ROOT / "tests/kdc/kdc-down.sh"), str(kdc_dir)])
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
