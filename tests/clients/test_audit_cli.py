"""`bulwark audit` with the real binaries: a writer killed with -9 under load leaves a log
that verifies and holds every acknowledged event; tampering is named at its sequence
number; query agrees with a brute-force filter; tail -f follows; export-key and verify
--public-key; stats draws its histogram."""
import ipaddress
import json
import os
import signal
import struct
import subprocess
import time
from fnmatch import fnmatchcase
from pathlib import Path

import pytest

from broker import BINARY

BENCH = Path(os.environ.get("AUDIT_BENCH_BIN", BINARY.parent / "audit-bench"))


def audit(*args, check=True):
    proc = subprocess.run([str(BINARY), "audit", *args], capture_output=True, text=True, timeout=120)
    if check:
        assert proc.returncode == 0, f"bulwark audit {args} exited {proc.returncode}: {proc.stderr}{proc.stdout}"
    return proc


def run_writer(data_dir, min_acked, kill_after=0.0):
    """Starts `audit-bench write`, waits until `min_acked` events are acknowledged (plus
    `kill_after` seconds), kills it with SIGKILL, returns the last acknowledged id."""
    proc = subprocess.Popen([str(BENCH), "write", "--dir", str(data_dir), "--batch", "100"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    acked = 0
    deadline = time.time() + 60
    try:
        while acked < min_acked and time.time() < deadline:
            line = proc.stdout.readline()
            if not line:
                raise AssertionError(f"writer exited: {proc.stderr.read()}")
            acked = int(line.split()[1])
        time.sleep(kill_after)
        proc.send_signal(signal.SIGKILL)
        # Acks printed before the kill landed still count: they were durable when printed.
        rest = proc.stdout.read()
    finally:
        proc.kill()
        proc.wait()
    for line in rest.splitlines():
        if line.startswith("acked "):
            acked = int(line.split()[1])
    assert acked >= min_acked
    return acked


def events(data_dir, *filters):
    out = audit("query", "--data-dir", str(data_dir), "--format", "json", *filters).stdout
    return [json.loads(line) for line in out.splitlines()]


def segment_records(path):
    """(sequence, type, offset, end) of each record: u32 length | body | 32-byte hash,
    body = u8 type | u64 seq | …, after a 64-byte header."""
    data = path.read_bytes()
    out, offset = [], 64
    while offset + 4 <= len(data):
        (length,) = struct.unpack_from("<I", data, offset)
        end = offset + 4 + length + 32
        if end > len(data):
            break
        kind, seq = struct.unpack_from("<BQ", data, offset + 4)
        out.append((seq, kind, offset, end))
        offset = end
    return out


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """A log written by a writer killed with SIGKILL three times under load, restarted on
    the same directory each time (so recovery cuts torn tails); verify passes after each."""
    assert BENCH.exists(), f"build audit-bench first ({BENCH})"
    data = tmp_path_factory.mktemp("audit")
    acked = []
    for round_ in range(3):
        acked.append(run_writer(data, min_acked=1500, kill_after=0.05 * round_))
        report = audit("verify", "--data-dir", str(data), check=False)
        assert report.returncode == 0, report.stdout + report.stderr
    return data, acked


def test_kill_9_under_load_leaves_a_log_that_verifies_and_holds_every_acked_event(loaded):
    data, acked = loaded
    assert "OK:" in audit("verify", "--data-dir", str(data)).stdout
    ids = [e["correlation_id"] for e in events(data, "--kind", "authorization")]
    # Each run of the writer numbers its events from 1: split the log into runs.
    runs = []
    for i in ids:
        if i == 1:
            runs.append([])
        runs[-1].append(i)
    assert len(runs) == 3
    for run, n in zip(runs, acked):
        # Every acknowledged event is there, once, in order (unacknowledged ones may follow).
        assert run[:n] == list(range(1, n + 1))
        assert run == list(range(1, len(run) + 1))
    assert len(list((data / "audit").glob("*.audit"))) > 2, "the load should have rotated segments"


def test_flipped_byte_is_named_at_its_sequence_number(loaded, tmp_path):
    data, _ = loaded
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-a", str(data), str(copy)], check=True)
    segments = sorted((copy / "audit").glob("*.audit"))
    target_segment = segments[1]
    records = [r for r in segment_records(target_segment) if r[1] == 1]
    seq, _, start, end = records[len(records) // 2]
    raw = bytearray(target_segment.read_bytes())
    raw[start + 60] ^= 0x20
    target_segment.write_bytes(bytes(raw))
    report = audit("verify", "--data-dir", str(copy), check=False)
    assert report.returncode == 1
    assert f"first bad sequence number {seq}:" in report.stdout


def test_deleted_segment_in_the_middle_is_named(loaded, tmp_path):
    data, _ = loaded
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-a", str(data), str(copy)], check=True)
    segments = sorted((copy / "audit").glob("*.audit"))
    victim = segments[1]
    first = int(victim.name.split(".")[0])
    victim.unlink()
    report = audit("verify", "--data-dir", str(copy), check=False)
    assert report.returncode == 1
    assert f"first bad sequence number {first}:" in report.stdout


def brute(all_events, principal=None, resource=None, result=None, cidr=None, since=None, until=None, api=None):
    out = []
    for e in all_events:
        if principal and e["principal"] != principal:
            continue
        if resource:
            rtype, pattern = resource.split(":", 1)
            if e.get("resource_type") != rtype or not fnmatchcase(e.get("resource_name", ""), pattern):
                continue
        if result and e["result"] != result:
            continue
        if cidr and ("client_address" not in e or ipaddress.ip_address(e["client_address"]) not in ipaddress.ip_network(cidr)):
            continue
        if since is not None and e.get("last_time", e["time"]) < since:
            continue
        if until is not None and e["time"] >= until:
            continue
        if api and e.get("api") != api:
            continue
        out.append(e["seq"])
    return out


def test_query_agrees_with_a_brute_force_filter(loaded):
    data, _ = loaded
    all_events = events(data)
    assert len(all_events) > 4000
    times = sorted(e["time"] for e in all_events)
    mid = times[len(times) // 2]
    cases = [
        dict(principal="User:svc-17"),
        dict(resource="topic:orders-1*"),
        dict(result="denied", cidr="10.17.0.0/16"),
        dict(api="Produce", resource="topic:orders-4?"),
        dict(since=mid, until=mid + 200),
        dict(principal="User:svc-3", since=times[0], until=mid),
    ]
    for case in cases:
        args = []
        if "principal" in case: args += ["--principal", case["principal"]]
        if "resource" in case: args += ["--resource", case["resource"]]
        if "result" in case: args += ["--result", case["result"]]
        if "cidr" in case: args += ["--client-ip", case["cidr"]]
        if "since" in case: args += ["--since", str(case["since"]), "--until", str(case["until"])]
        if "api" in case: args += ["--api", case["api"]]
        got = [e["seq"] for e in events(data, *args)]
        expected = brute(all_events, **case)
        assert got == expected, case
        assert expected, f"case {case} should match something"
    # `bob` means User:bob: the bare name and the full principal give the same answer.
    assert [e["seq"] for e in events(data, "--principal", "svc-17")] == brute(all_events, principal="User:svc-17")


def test_formats_and_limit(loaded):
    data, _ = loaded
    table = audit("query", "--data-dir", str(data), "--limit", "5").stdout.splitlines()
    assert table[0].split()[:4] == ["SEQ", "TIME", "KIND", "RESULT"] and len(table) == 6
    csv_lines = audit("query", "--data-dir", str(data), "--format", "csv", "--limit", "3",
                      "--kind", "authorization").stdout.splitlines()
    assert csv_lines[0].startswith("seq,time,kind,result,count") and len(csv_lines) == 4
    assert csv_lines[1].split(",")[2:4] == ["authorization", "denied"]
    ocsf = [json.loads(l) for l in audit("export", "--data-dir", str(data), "--format", "ocsf",
                                         "--principal", "svc-5").stdout.splitlines()]
    assert ocsf and all(o["class_uid"] == 6003 and o["type_uid"] == 600300 + o["activity_id"] for o in ocsf)
    assert all(o["actor"]["user"]["name"] == "User:svc-5" and o["status_id"] == 2 for o in ocsf)


def test_export_key_and_verify_with_a_trusted_public_key(loaded, tmp_path):
    data, _ = loaded
    pem = audit("export-key", "--data-dir", str(data)).stdout
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    (tmp_path / "audit.pub").write_text(pem)
    ok = audit("verify", "--data-dir", str(data), "--public-key", str(tmp_path / "audit.pub"))
    assert "OK:" in ok.stdout
    key_file = data / "audit" / "signing.key"
    assert (key_file.stat().st_mode & 0o777) == 0o600
    other = subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519"], capture_output=True, text=True, check=True).stdout
    other_pub = subprocess.run(["openssl", "pkey", "-pubout"], input=other, capture_output=True, text=True, check=True).stdout
    (tmp_path / "other.pub").write_text(other_pub)
    bad = audit("verify", "--data-dir", str(data), "--public-key", str(tmp_path / "other.pub"), check=False)
    assert bad.returncode == 1 and "FAILED" in bad.stdout


def test_stats_lists_top_denied_and_draws_hours(loaded):
    data, _ = loaded
    out = audit("stats", "--data-dir", str(data), "--top", "3").stdout
    assert "top denied principals:" in out and "top denied resources:" in out
    assert "events per hour" in out and "█" in out or "▒" in out
    denied_section = out.split("top denied principals:")[1].split("top denied resources:")[0].strip().splitlines()
    assert len(denied_section) == 3 and all(l.split()[1].startswith("User:svc-") for l in denied_section)


def test_tail_follow_prints_new_events_and_exits_on_sigint(tmp_path):
    run_writer(tmp_path, min_acked=200)
    tail = subprocess.Popen([str(BINARY), "audit", "tail", "-f", "--data-dir", str(tmp_path), "--format", "json",
                             "--lines", "0", "--kind", "authorization", "--poll-ms", "50", "--max-seconds", "60"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.0)
        run_writer(tmp_path, min_acked=300)
        # Read what tail prints until the 300 acknowledged events have arrived (on a loaded
        # machine polling may lag; --max-seconds bounds the wait), then interrupt it.
        lines = []
        while len(lines) < 300:
            line = tail.stdout.readline()
            if not line:
                break
            lines.append(line)
        tail.send_signal(signal.SIGINT)
        out, err = tail.communicate(timeout=10)
    finally:
        tail.kill()
    assert tail.returncode == 0, err
    followed = [json.loads(l) for l in lines + out.splitlines()]
    assert len(followed) >= 300
    # The second writer's events, in order, starting at its id 1.
    assert [e["correlation_id"] for e in followed[:300]] == list(range(1, 301))
