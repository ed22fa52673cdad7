"""Starts the real `bulwark` binary on loopback with a temporary data directory."""
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# BULWARK_BIN points at another build (engineers building with their own --scratch-path).
BINARY = Path(os.environ.get("BULWARK_BIN", ROOT / ".build" / "debug" / "bulwark"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Broker:
    def __init__(self, data_dir, extra=None):
        self.data_dir = Path(data_dir)
        self.port = free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self.config = self.data_dir / "server.properties"
        props = {
            "node.id": "0",
            "listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "log.dirs": str(self.data_dir / "data"),
            "num.partitions": "1",
            "group.initial.rebalance.delay.ms": "0",
            "group.min.session.timeout.ms": "1000",
            "bulwark.durability": "group-commit",
            # CI and the development machines run as root; the broker refuses root without this.
            "bulwark.allow.root": "true",
        }
        props.update(extra or {})
        self.config.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        self.log_path = self.data_dir / "broker.log"
        self.proc = None

    def start(self):
        assert BINARY.exists(), "build first: swift build"
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([str(BINARY), "serve", "--config", str(self.config)],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"bulwark exited {self.proc.returncode}: {self.log_path.read_text()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.kill()
        raise RuntimeError("bulwark did not start listening")

    def stop(self, timeout=20):
        """SIGTERM; returns the exit code (the broker drains, flushes and exits 0)."""
        if self.proc is None:
            return None
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self.proc = None
        self.log.close()
        return code

    def kill(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
            self.log.close()

    def restart(self):
        code = self.stop()
        assert code == 0, f"bulwark exited {code} on SIGTERM"
        return self.start()

    def output(self):
        return self.log_path.read_text(errors="replace")
