"""Hostile bytes close only the offending connection; the broker keeps serving."""
import socket
import struct

from confluent_kafka.admin import AdminClient


def connect(broker):
    s = socket.create_connection(("127.0.0.1", broker.port), timeout=5)
    return s


def read_frame(s):
    size = struct.unpack(">i", recv_exact(s, 4))[0]
    return recv_exact(s, size)


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
    return buf


def is_closed(s):
    try:
        return s.recv(1) == b""
    except (ConnectionResetError, socket.timeout):
        return True


def request(api_key, version, correlation, body=b"", client=b"raw"):
    header = struct.pack(">hhih", api_key, version, correlation, len(client)) + client
    payload = header + body
    return struct.pack(">i", len(payload)) + payload


def still_serving(broker):
    md = AdminClient({"bootstrap.servers": broker.bootstrap}).list_topics(timeout=10)
    assert [b.id for b in md.brokers.values()] == [0]


def test_apiversions_above_range_gets_a_v0_answer(broker):
    s = connect(broker)
    s.sendall(request(18, 99, 7))
    frame = read_frame(s)
    correlation, error, count = struct.unpack(">ihi", frame[:10])
    assert (correlation, error, count) == (7, 35, 1)
    assert struct.unpack(">hhh", frame[10:16]) == (18, 0, 4)
    s.close()


def test_oversized_frame_closes_the_connection_with_a_log_line(broker):
    s = connect(broker)
    s.sendall(struct.pack(">i", 200 * 1024 * 1024))
    assert is_closed(s)
    still_serving(broker)
    assert "socket.request.max.bytes" in broker.output()


def test_garbage_and_unknown_api_close_only_that_connection(broker):
    good = connect(broker)
    bad = connect(broker)
    bad.sendall(struct.pack(">i", 6) + b"\xff\xff\xff\xff\xff\xff")
    assert is_closed(bad)
    unknown = connect(broker)
    unknown.sendall(request(999, 0, 1))
    assert is_closed(unknown)
    good.sendall(request(18, 0, 42))
    frame = read_frame(good)
    assert struct.unpack(">ih", frame[:6]) == (42, 0)
    good.close()
    still_serving(broker)


def test_transactions_are_not_offered(broker):
    s = connect(broker)
    s.sendall(request(18, 0, 1))
    frame = read_frame(s)
    count = struct.unpack(">i", frame[6:10])[0]
    keys = {struct.unpack(">h", frame[10 + 6 * i:12 + 6 * i])[0] for i in range(count)}
    assert not keys & {24, 25, 26, 27, 28}
    assert {0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 18, 19, 22} <= keys
    s.close()


def test_idle_connections_and_a_trickler_do_not_starve_others(tmp_path):
    import resource
    import time

    from broker import Broker

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
    b = Broker(tmp_path, extra={"bulwark.request.read.timeout.ms": "1500"}).start()
    idle = []
    try:
        idle = [connect(b) for _ in range(1000)]
        trickler = connect(b)
        frame = request(18, 0, 5)
        trickler.sendall(frame[:3])  # a request that has started but will not finish in time
        started = time.time()
        still_serving(b)  # 1,000 idle connections and a trickler leave others served
        for byte in frame[3:6]:
            time.sleep(0.6)
            try:
                trickler.sendall(bytes([byte]))
            except OSError:
                break
        trickler.settimeout(5)
        assert is_closed(trickler)
        assert time.time() - started >= 1.4
        assert "read timeout" in b.output()
        # Idle connections between requests are not cut by the read timeout.
        idle[0].sendall(request(18, 0, 77))
        assert struct.unpack(">ih", read_frame(idle[0])[:6]) == (77, 0)
    finally:
        for s in idle:
            s.close()
        assert b.stop() == 0
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
