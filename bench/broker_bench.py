"""Bulwark against Tansu, interleaved in one run, with confluent-kafka as the client.

Usage (via scripts/bench-broker.sh): python bench/broker_bench.py --seconds 10 --rounds 3
Prints a markdown table: medians, min-max and the median of per-pair ratios.
"""
import argparse
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

ROOT = Path(__file__).resolve().parents[1]
BULWARK = str(ROOT / ".build/release/bulwark")
WORDS = ("tenant order amount region eu-west us-east payment audit ledger invoice status ok refund "
         "customer account balance currency EUR USD timestamp shipment warehouse sku quantity").split()


def corpus(size, count=1024, seed=7):
    """Distinct, realistically compressible JSON-ish records."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        fields = {}
        while len(json.dumps(fields)) < size:
            fields[rng.choice(WORDS) + str(len(fields))] = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4)))
        out.append(json.dumps(fields)[:size].encode())
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"broker exited {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("broker did not listen")


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Bulwark:
    name = "bulwark"

    def __init__(self, durability):
        self.dir = tempfile.mkdtemp(prefix="bulwark-bench-")
        self.port = free_port()
        conf = Path(self.dir) / "server.properties"
        conf.write_text(f"listeners=PLAINTEXT://127.0.0.1:{self.port}\nlog.dirs={self.dir}/data\n"
                        f"bulwark.durability={durability}\nnum.partitions=1\n")
        self.proc = subprocess.Popen([BULWARK, "serve", "--allow-root", "--config", str(conf)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port, self.proc)
        self.bootstrap = f"127.0.0.1:{self.port}"

    def create_topic(self, name, partitions):
        a = AdminClient({"bootstrap.servers": self.bootstrap})
        a.create_topics([NewTopic(name, partitions, 1)])[name].result(15)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(30)
        subprocess.run(["rm", "-rf", self.dir])


class Tansu:
    name = "tansu"

    def __init__(self, binary):
        self.binary = binary
        self.port = free_port()
        url = f"tcp://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([binary, "broker", "--listener-url", url, "--advertised-listener-url", url,
                                      "--storage-engine", "memory://tansu/"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port, self.proc)
        self.bootstrap = f"127.0.0.1:{self.port}"

    def create_topic(self, name, partitions):
        subprocess.run([self.binary, "topic", "create", name, "--partitions", str(partitions),
                        "--broker", f"tcp://127.0.0.1:{self.port}"], check=True, capture_output=True, timeout=30)
        time.sleep(0.5)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def produce(broker, topic, records, seconds, partitions, pace_mb_s=None):
    """acks=all for `seconds`; returns MB/s, records/s, latencies (ms) and broker CPU s/GB."""
    p = Producer({"bootstrap.servers": broker.bootstrap, "acks": "all", "linger.ms": 5, "batch.size": 1 << 20,
                  "queue.buffering.max.kbytes": 262144, "compression.type": "none",
                  **getattr(broker, "client_conf", {})})  # security settings (bench/tls_bench.py)
    acked = [0, 0]
    latencies = []

    def done(err, msg, sent):
        if err is None:
            acked[0] += 1
            acked[1] += len(msg.value())
            latencies.append((time.perf_counter() - sent) * 1000)

    cpu0 = cpu_seconds(broker.proc.pid)
    start = time.perf_counter()
    i = 0
    size = len(records[0])
    while True:
        now = time.perf_counter()
        if now - start >= seconds:
            break
        if pace_mb_s:
            scheduled = start + (i * size) / (pace_mb_s * 1e6)
            if scheduled > now:
                p.poll(0)
                time.sleep(min(scheduled - now, 0.001))
                continue
        else:
            scheduled = now
        try:
            p.produce(topic, records[i % len(records)], partition=i % partitions,
                      on_delivery=lambda err, msg, s=scheduled: done(err, msg, s))
            i += 1
        except BufferError:
            p.poll(0.001)
        if i % 1000 == 0:
            p.poll(0)
    p.flush(60)
    elapsed = time.perf_counter() - start
    cpu = cpu_seconds(broker.proc.pid) - cpu0
    gb = acked[1] / 1e9
    return {"mb_s": acked[1] / elapsed / 1e6, "rec_s": acked[0] / elapsed, "lat": latencies,
            "cpu_per_gb": cpu / gb if gb else float("nan"), "bytes": acked[1], "count": acked[0]}


def produce_parallel(broker, topic, records, seconds, partitions, producers):
    """Several producers at once (each its own connection), as a durable broker's group
    commit needs concurrent requests to share an fsync; returns the summed MB/s."""
    import threading
    results = []
    threads = [threading.Thread(target=lambda: results.append(produce(broker, topic, records, seconds, partitions)))
               for _ in range(producers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(r["mb_s"] for r in results)


def fetch(broker, topic, partitions, expected_count):
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": f"bench-{time.time()}", "enable.auto.commit": False,
                  "fetch.max.bytes": 52428800, "max.partition.fetch.bytes": 10485760})
    c.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    got = 0
    nbytes = 0
    start = time.perf_counter()
    deadline = start + 120
    while got < expected_count and time.perf_counter() < deadline:
        msgs = c.consume(10000, 0.5)
        for m in msgs:
            if not m.error():
                got += 1
                nbytes += len(m.value())
    elapsed = time.perf_counter() - start
    c.close()
    return {"mb_s": nbytes / elapsed / 1e6, "count": got}


def fio(mode, directory):
    args = ["fio", "--name=bench", f"--directory={directory}", "--rw=write", "--bs=1M", "--size=1G",
            "--ioengine=psync", "--output-format=json"]
    args += ["--fsync=1"] if mode == "fsync" else ["--end_fsync=1"]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    job = json.loads(out)["jobs"][0]["write"]
    for f in Path(directory).glob("bench*"):
        f.unlink()
    return job["bw_bytes"] / 1e6


def summary(values):
    return statistics.median(values), min(values), max(values)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--tansu", required=True)
    ap.add_argument("--durable-producers", type=int, default=4, help="concurrent producers in group-commit mode")
    ap.add_argument("--bulwark", default=BULWARK, help="the bulwark binary (default: the release build)")
    args = ap.parse_args()
    globals()["BULWARK"] = args.bulwark
    rec_1k, rec_100 = corpus(1024), corpus(100)
    results = {}

    def record(key, broker_name, value):
        results.setdefault(key, {}).setdefault(broker_name, []).append(value)

    for r in range(args.rounds):
        for cls in (Bulwark, Tansu):
            b = Bulwark("page-cache") if cls is Bulwark else Tansu(args.tansu)
            try:
                b.create_topic(f"p1k{r}", 1)
                b.create_topic(f"p100{r}", 1)
                b.create_topic(f"lat{r}", 1)
                res = produce(b, f"p1k{r}", rec_1k, args.seconds, 1)
                record("produce 1 KiB, MB/s", b.name, res["mb_s"])
                record("broker CPU s/GB (1 KiB)", b.name, res["cpu_per_gb"])
                f = fetch(b, f"p1k{r}", 1, res["count"])
                record("fetch 1 KiB, MB/s", b.name, f["mb_s"])
                res = produce(b, f"p100{r}", rec_100, args.seconds, 1)
                record("produce 100 B, records/s", b.name, res["rec_s"])
                record("broker CPU s/GB (100 B)", b.name, res["cpu_per_gb"])
                res = produce(b, f"lat{r}", rec_1k, args.seconds, 1, pace_mb_s=20)
                lat = sorted(res["lat"])
                record("p99 latency at 20 MB/s, ms", b.name, lat[int(len(lat) * 0.99) - 1] if lat else float("nan"))
                record("peak RSS, MiB", b.name, rss_mib(b.proc.pid))
            finally:
                b.stop()
        # Durable mode against the disk's own fsync-per-1MiB figure, measured in the same round.
        fio_dir = tempfile.mkdtemp(prefix="fio-")
        record("fio fsync every 1 MiB, MB/s", "disk", fio("fsync", fio_dir))
        record("fio buffered 1 MiB writes, MB/s", "disk", fio("buffered", fio_dir))
        b = Bulwark("group-commit")
        try:
            b.create_topic(f"gc{r}", 8)
            record("group-commit produce 1 KiB, MB/s", "bulwark",
                   produce_parallel(b, f"gc{r}", rec_1k, args.seconds, 8, args.durable_producers))
        finally:
            b.stop()
        print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)

    print("| measurement | Bulwark median (min–max) | Tansu median (min–max) | median ratio |")
    print("|---|---|---|---|")
    for key, by in results.items():
        if "bulwark" in by and "tansu" in by:
            ratios = [a / t for a, t in zip(by["bulwark"], by["tansu"]) if t]
            bm, tm = summary(by["bulwark"]), summary(by["tansu"])
            print(f"| {key} | {bm[0]:.1f} ({bm[1]:.1f}–{bm[2]:.1f}) | {tm[0]:.1f} ({tm[1]:.1f}–{tm[2]:.1f}) | "
                  f"{statistics.median(ratios):.2f} |")
    gc = results.get("group-commit produce 1 KiB, MB/s", {}).get("bulwark", [])
    fs = results.get("fio fsync every 1 MiB, MB/s", {}).get("disk", [])
    if gc and fs:
        ratios = [g / f for g, f in zip(gc, fs)]
        g, f = summary(gc), summary(fs)
        print(f"| group-commit produce 1 KiB ({args.durable_producers} producers), MB/s vs fio fsync-per-1 MiB | {g[0]:.1f} ({g[1]:.1f}–{g[2]:.1f}) | "
              f"fio {f[0]:.1f} ({f[1]:.1f}–{f[2]:.1f}) | {statistics.median(ratios):.2f} |")


if __name__ == "__main__":
    main()
