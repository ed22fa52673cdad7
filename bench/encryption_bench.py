"""Encryption at rest on versus off, 1 KiB records, against the same `bulwark` binary:
one broker with `bulwark.encryption.enabled=true` (key file), one without, alternated per
round. Produce: confluent-kafka with broker_bench.py's producer (acks=all, linger 5 ms,
1 MiB batches, page-cache durability) for --seconds; fetch: a fresh consumer reads back
everything that was produced (broker_bench.py's fetch: 10 MiB per partition per fetch).
Each broker's CPU seconds per GB are printed too (the client shares the two cores).

    python bench/encryption_bench.py --bin .build/release/bulwark --seconds 10 --rounds 3

Prints each round and the median ratios on ÷ off (issue 9's target: ≥ 0.9 for both).
"""
import argparse
import signal
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from confluent_kafka.admin import AdminClient, NewTopic

sys.path.insert(0, str(Path(__file__).resolve().parent))
from broker_bench import corpus, cpu_seconds, fetch, free_port, produce, wait_port  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


class Broker:
    def __init__(self, binary, directory, encrypted):
        self.dir = Path(directory)
        self.port = free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        props = [f"log.dirs={self.dir}/data", "num.partitions=1", "bulwark.durability=page-cache",
                 f"listeners=PLAINTEXT://127.0.0.1:{self.port}"]
        if encrypted:
            key = self.dir / "master.key"
            subprocess.run([binary, "keys", "generate-master-key", str(key)], check=True, capture_output=True)
            props += ["bulwark.encryption.enabled=true", f"bulwark.encryption.master.key.file={key}"]
        conf = self.dir / "server.properties"
        conf.write_text("\n".join(props) + "\n")
        self.proc = subprocess.Popen([binary, "serve", "--config", str(conf)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port, self.proc)
        admin = AdminClient({"bootstrap.servers": self.bootstrap})
        admin.create_topics([NewTopic("bench", 1, 1)])["bench"].result(15)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(30)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(ROOT / ".build/release/bulwark"))
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    records = corpus(1024)
    rows = {(label, what): [] for label in ("off", "on") for what in ("produce", "fetch", "produce_cpu", "fetch_cpu")}
    for r in range(args.rounds):
        for label, encrypted in (("off", False), ("on", True)):
            with tempfile.TemporaryDirectory(prefix="bulwark-enc-bench-") as d:
                b = Broker(args.bin, d, encrypted)
                try:
                    produced = produce(b, "bench", records, args.seconds, 1)
                    cpu0 = cpu_seconds(b.proc.pid)
                    fetched = fetch(b, "bench", 1, produced["count"])
                    fetch_cpu = (cpu_seconds(b.proc.pid) - cpu0) / (produced["bytes"] / 1e9)
                finally:
                    b.stop()
            assert fetched["count"] == produced["count"], (fetched, produced["count"])
            rows[(label, "produce")].append(produced["mb_s"])
            rows[(label, "fetch")].append(fetched["mb_s"])
            rows[(label, "produce_cpu")].append(produced["cpu_per_gb"])
            rows[(label, "fetch_cpu")].append(fetch_cpu)
            print(f"round {r + 1} encryption {label}: produce {produced['mb_s']:.1f} MB/s "
                  f"({produced['cpu_per_gb']:.2f} broker CPU s/GB), fetch {fetched['mb_s']:.1f} MB/s "
                  f"({fetch_cpu:.2f} broker CPU s/GB), {produced['count']} records", flush=True)
    print("| 1 KiB records | off MB/s | on MB/s | on ÷ off (median of per-round ratios) | broker CPU s/GB off → on |")
    print("|---|---|---|---|---|")
    for what in ("produce", "fetch"):
        ratios = [on / off for on, off in zip(rows[("on", what)], rows[("off", what)])]
        print(f"| {what}, median of {args.rounds} | {statistics.median(rows[('off', what)]):.1f} "
              f"| {statistics.median(rows[('on', what)]):.1f} | {statistics.median(ratios):.2f} "
              f"| {statistics.median(rows[('off', what + '_cpu')]):.2f} → {statistics.median(rows[('on', what + '_cpu')]):.2f} |")


if __name__ == "__main__":
    sys.exit(main())
