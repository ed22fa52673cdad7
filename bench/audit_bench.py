"""The audit log's cost on 1 KiB produce: the same `bulwark` binary with authorization on
(ANONYMOUS a super user, so every Produce is one audited, allowed decision) and the audit
log off, summarised (the default) or raw (every event written), alternated per round;
confluent-kafka with broker_bench.py's producer (acks=all, linger 5 ms, 1 MiB batches),
group-commit durability so the audit flush rides the produce one.

    python bench/audit_bench.py --bin .build/release/bulwark --seconds 10 --rounds 3

Prints each round and the medians of the per-round ratios on ÷ off (issue 8's target for
the summarised mode: ≥ 0.95) and raw ÷ off.
"""
import argparse
import json
import signal
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from confluent_kafka.admin import AdminClient, NewTopic

sys.path.insert(0, str(Path(__file__).resolve().parent))
from broker_bench import corpus, free_port, produce, wait_port  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
POLICY = {"serviceName": "kafka", "policies": []}
MODES = {"off": ["bulwark.audit.enabled=false"], "summarised": [], "raw": ["bulwark.audit.mode=raw"]}


class Broker:
    def __init__(self, binary, directory, mode):
        self.dir = Path(directory)
        self.port = free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self.client_conf = {}
        policies = self.dir / "policies"
        policies.mkdir()
        (policies / "kafka.json").write_text(json.dumps(POLICY))
        props = [f"log.dirs={self.dir}/data", "num.partitions=1", "bulwark.durability=group-commit",
                 f"listeners=PLAINTEXT://127.0.0.1:{self.port}", f"bulwark.policy.dir={policies}", "super.users=User:ANONYMOUS"] + MODES[mode]
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


def audit_size(directory):
    return sum(p.stat().st_size for p in (Path(directory) / "data" / "audit").glob("*.audit"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(ROOT / ".build/release/bulwark"))
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    records = corpus(1024)
    rows = {mode: [] for mode in MODES}
    for r in range(args.rounds):
        for mode in MODES:
            with tempfile.TemporaryDirectory(prefix="bulwark-audit-bench-") as d:
                b = Broker(args.bin, d, mode)
                try:
                    result = produce(b, "bench", records, args.seconds, 1)
                finally:
                    b.stop()
                size = audit_size(d) if mode != "off" else 0
            rows[mode].append(result["mb_s"])
            print(f"round {r + 1} {mode}: {result['mb_s']:.1f} MB/s ({result['rec_s']:.0f} records/s); "
                  f"audit segments {size / 1e6:.2f} MB", flush=True)
    summarised = [s / o for s, o in zip(rows["summarised"], rows["off"])]
    raw = [s / o for s, o in zip(rows["raw"], rows["off"])]
    print("| 1 KiB produce | off MB/s | summarised MB/s | raw MB/s | summarised ÷ off | raw ÷ off |")
    print("|---|---|---|---|---|---|")
    print(f"| median of {args.rounds} | {statistics.median(rows['off']):.1f} | {statistics.median(rows['summarised']):.1f} "
          f"| {statistics.median(rows['raw']):.1f} | {statistics.median(summarised):.2f} | {statistics.median(raw):.2f} |")


if __name__ == "__main__":
    sys.exit(main())
