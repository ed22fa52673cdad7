"""Drives real Kafka clients (kcat, confluent-kafka, kafka-python) against a listener.

Used by the client tests and by scripts/capture-fixtures.sh. Every call is bounded in
time: a client that cannot finish is stopped, never left running.
"""
import subprocess

# Values the fixtures carry, so tests can assert exactly what a client sent.
KCAT_VALUES = [f"golden-{i}" for i in range(3)]
PYTHON_VALUES = [f"py-{i}".encode() for i in range(3)]
KCAT_CODECS = ("none", "gzip", "snappy", "lz4", "zstd")


def kcat(bootstrap, *args, stdin=None, timeout=15):
    return subprocess.run(
        ["kcat", "-b", bootstrap, *args],
        input=stdin, capture_output=True, text=True, timeout=timeout,
    )


def run_kcat(bootstrap, topic="capture"):
    kcat(bootstrap, "-L", "-m", "5", "-X", "client.id=kcat-metadata")
    for codec in KCAT_CODECS:
        kcat(bootstrap, "-P", "-t", f"{topic}-{codec}", "-z", codec, "-X", "linger.ms=50",
             "-X", f"client.id=kcat-produce-{codec}", stdin="\n".join(KCAT_VALUES) + "\n")
    kcat(bootstrap, "-C", "-t", topic, "-o", "beginning", "-e", "-m", "3", "-X", "client.id=kcat-consume",
         timeout=10)


def run_confluent(bootstrap, topic="capture"):
    from confluent_kafka import Producer
    from confluent_kafka.admin import AdminClient, NewTopic

    producer = Producer({
        "bootstrap.servers": bootstrap, "enable.idempotence": True,
        "compression.type": "zstd", "linger.ms": 20, "message.timeout.ms": 5000,
        "client.id": "confluent-capture",
    })
    for i, value in enumerate(PYTHON_VALUES):
        producer.produce(f"{topic}-confluent", value=value, key=f"k{i}".encode(), headers={"h": b"v"})
    producer.flush(8)
    admin = AdminClient({"bootstrap.servers": bootstrap, "client.id": "confluent-admin"})
    futures = admin.create_topics([NewTopic("created-by-confluent", num_partitions=3, replication_factor=1)],
                                  request_timeout=5)
    for future in futures.values():
        try:
            future.result(timeout=8)
        except Exception:
            pass


def run_kafka_python(bootstrap, topic="capture"):
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap, client_id="kafka-python-capture",
                             compression_type="gzip", linger_ms=20, request_timeout_ms=5000,
                             max_block_ms=8000)
    for value in PYTHON_VALUES:
        producer.send(f"{topic}-kafka-python", value=value, headers=[("h", b"v")])
    producer.flush(timeout=8)
    producer.close(timeout=3)
