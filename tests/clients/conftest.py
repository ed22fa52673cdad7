import os
import socket
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def capture(tmp_path):
    """A running wire-capture listener; yields (bootstrap, output directory)."""
    binary = ROOT / ".build" / "debug" / "wire-capture"
    assert binary.exists(), "build it first: swift build --product wire-capture"
    port = free_port()
    proc = subprocess.Popen([str(binary), str(port), str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("wire-capture did not start")
    yield f"127.0.0.1:{port}", tmp_path
    proc.terminate()
    proc.wait(timeout=5)


@pytest.fixture
def broker(tmp_path):
    """A running bulwark broker; stopped with SIGTERM afterwards, which must exit 0."""
    from broker import Broker
    b = Broker(tmp_path).start()
    yield b
    code = b.stop()
    assert code == 0, f"bulwark exited {code} on SIGTERM:\n{b.output()[-3000:]}"


def decoded(path):
    """(client, 'Api-vN') -> list of outcomes, from wire-capture's log."""
    seen = {}
    for line in (path / "decoded.log").read_text().splitlines():
        key, outcome = line.split(" ", 1)
        client, api = key.split("/", 1)
        seen.setdefault((client, api), []).append(outcome)
    return seen
