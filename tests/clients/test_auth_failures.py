"""Failed authentication gives nothing away, against the real broker: the per-address limit
(`bulwark.sasl.failed.attempts.per.minute`) fails even the right password with the ordinary
message, Kafka's `connection.failed.authentication.delay.ms` delays the answer, and the log
names the address. Raw SaslHandshake v1 + SaslAuthenticate v1 frames with PLAIN."""
import socket
import struct
import time

import pytest

from security import FAILED, PASSWORDS, kbytes, kstring, read_frame, request, security_broker, closed_by_peer


@pytest.fixture
def limited(tmp_path):
    b = security_broker(tmp_path, [("SASL_PLAINTEXT", "SASL_PLAINTEXT")], {
        "sasl.enabled.mechanisms": "PLAIN,SCRAM-SHA-256", "bulwark.sasl.plain.allow.insecure": "true",
        "bulwark.sasl.failed.attempts.per.minute": "3", "connection.failed.authentication.delay.ms": "400"}).start()
    yield b
    assert b.stop() == 0, b.output()[-3000:]


def plain_attempt(port, user, password, source="127.0.0.1"):
    """(error code, message, seconds from the SaslAuthenticate to its answer)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))
    try:
        s.sendall(request(17, 1, 1, kstring("PLAIN")))
        frame = read_frame(s)
        assert struct.unpack(">ih", frame[:6]) == (1, 0)
        started = time.monotonic()
        s.sendall(request(36, 1, 2, kbytes(b"\0" + user.encode() + b"\0" + password.encode())))
        frame = read_frame(s)
        elapsed = time.monotonic() - started
        corr, code, n = struct.unpack(">ihh", frame[:8])
        assert corr == 2
        message = frame[8:8 + n].decode() if n >= 0 else None
        if code != 0:
            assert closed_by_peer(s)
        return code, message, elapsed
    finally:
        s.close()


def test_limit_per_address_fails_even_the_right_password_alike(limited):
    right = PASSWORDS["alice"]
    assert plain_attempt(limited.port, "alice", right)[0] == 0
    failures = [plain_attempt(limited.port, "alice", "wrong"), plain_attempt(limited.port, "nobody", "x"),
                plain_attempt(limited.port, "alice", "wrong-again")]
    for code, message, elapsed in failures:
        assert (code, message) == (58, FAILED.format("PLAIN"))
        assert elapsed >= 0.4  # connection.failed.authentication.delay.ms
    # Over the limit: the right password gets exactly the ordinary failure.
    code, message, _ = plain_attempt(limited.port, "alice", right)
    assert (code, message) == (58, FAILED.format("PLAIN"))
    # Another address is not limited.
    assert plain_attempt(limited.port, "alice", right, source="127.0.0.2")[0] == 0
    log = limited.output()
    assert "SASL authentication failed" in log and "client=127.0.0.1" in log
    assert "principal=User:nobody" in log and "principal=User:alice" in log
    assert [l for l in log.splitlines() if "rate limited" in l and "principal=User:alice" in l]
    assert right not in log and "wrong-again" not in log


def test_no_delay_and_no_limit_when_configured_off(tmp_path):
    b = security_broker(tmp_path, [("SASL_PLAINTEXT", "SASL_PLAINTEXT")], {
        "sasl.enabled.mechanisms": "PLAIN", "bulwark.sasl.plain.allow.insecure": "true",
        "bulwark.sasl.failed.attempts.per.minute": "0", "connection.failed.authentication.delay.ms": "0"}).start()
    try:
        for _ in range(40):
            assert plain_attempt(b.port, "alice", "wrong")[0] == 58
        assert plain_attempt(b.port, "alice", PASSWORDS["alice"])[0] == 0
    finally:
        assert b.stop() == 0
