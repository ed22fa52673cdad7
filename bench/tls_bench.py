"""TLS on versus off for 1 KiB produce against the same `bulwark` binary: a PLAINTEXT and an
SSL listener (certificates from Certs/make-certs.sh, RSA-2048, TLS 1.3), alternated per round,
confluent-kafka with broker_bench.py's producer (acks=all, linger 5 ms, 1 MiB batches).

    python bench/tls_bench.py --bin .build/release/bulwark --seconds 10 --rounds 3

Prints each round and the median ratio TLS ÷ plaintext (issue 5's target: ≥ 0.7).
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
from broker_bench import corpus, free_port, produce, wait_port  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


class Broker:
    def __init__(self, binary, directory, tls):
        self.dir = Path(directory)
        self.port = free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        props = [f"log.dirs={self.dir}/data", "num.partitions=1", "bulwark.durability=page-cache"]
        self.client_conf = {}
        if tls:
            certs = self.dir / "certs"
            subprocess.run(["sh", str(ROOT / "Certs/make-certs.sh"), str(certs)], check=True, capture_output=True)
            props += [f"listeners=SSL://127.0.0.1:{self.port}", "ssl.keystore.type=PEM",
                      f"ssl.keystore.location={certs}/broker-keystore.pem"]
            self.client_conf = {"security.protocol": "SSL", "ssl.ca.location": str(certs / "ca.pem")}
        else:
            props.append(f"listeners=PLAINTEXT://127.0.0.1:{self.port}")
        conf = self.dir / "server.properties"
        conf.write_text("\n".join(props) + "\n")
        self.proc = subprocess.Popen([binary, "serve", "--allow-root", "--config", str(conf)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port, self.proc)
        admin = AdminClient({"bootstrap.servers": self.bootstrap, **self.client_conf})
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
    rows = {"plaintext": [], "tls": []}
    for r in range(args.rounds):
        for label, tls in (("plaintext", False), ("tls", True)):
            with tempfile.TemporaryDirectory(prefix="bulwark-tls-bench-") as d:
                b = Broker(args.bin, d, tls)
                try:
                    result = produce(b, "bench", records, args.seconds, 1)
                finally:
                    b.stop()
            rows[label].append(result["mb_s"])
            print(f"round {r + 1} {label}: {result['mb_s']:.1f} MB/s ({result['rec_s']:.0f} records/s)", flush=True)
    ratios = [t / p for t, p in zip(rows["tls"], rows["plaintext"])]
    print(f"| 1 KiB produce | plaintext MB/s | TLS MB/s | TLS ÷ plaintext |")
    print("|---|---|---|---|")
    print(f"| median of {args.rounds} | {statistics.median(rows['plaintext']):.1f} | {statistics.median(rows['tls']):.1f} "
          f"| {statistics.median(ratios):.2f} |")


if __name__ == "__main__":
    sys.exit(main())
