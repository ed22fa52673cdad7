"""kafka-python 3.0.12 against the real broker: admin client, producer, group consumer."""
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic


def test_admin_producer_and_group_consumer(broker):
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap, request_timeout_ms=10000)
    admin.create_topics([NewTopic("kp", num_partitions=2, replication_factor=1)])
    assert "kp" in admin.list_topics()
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, compression_type="gzip", linger_ms=5)
    for i in range(300):
        producer.send("kp", key=f"k{i}".encode(), value=f"v{i}".encode(), headers=[("h", b"1")], partition=i % 2)
    producer.flush(timeout=30)
    producer.close(timeout=5)
    consumer = KafkaConsumer("kp", bootstrap_servers=broker.bootstrap, group_id="kp-group",
                             auto_offset_reset="earliest", consumer_timeout_ms=15000, enable_auto_commit=False)
    got = {0: [], 1: []}
    for m in consumer:
        got[m.partition].append((m.offset, m.key.decode(), m.value.decode(), m.headers))
        if sum(len(v) for v in got.values()) == 300:
            break
    consumer.commit()
    consumer.close()
    for part in (0, 1):
        assert got[part] == [(j, f"k{i}", f"v{i}", [("h", b"1")]) for j, i in enumerate(range(part, 300, 2))]
    offsets = admin.list_group_offsets("kp-group")["kp-group"]
    assert {tp.partition: o.offset for tp, o in offsets.items()} == {0: 150, 1: 150}
    assert "kp-group" in {g["group_id"] for g in admin.list_groups()}
    admin.delete_topics(["kp"])
    assert "kp" not in admin.list_topics()
    admin.close()
