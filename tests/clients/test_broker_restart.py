"""Data and committed offsets survive a restart (SIGTERM, then start again)."""
import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic


def test_data_and_offsets_survive_restart(broker):
    a = AdminClient({"bootstrap.servers": broker.bootstrap})
    a.create_topics([NewTopic("durable", 1, 1)])["durable"].result(15)
    p = Producer({"bootstrap.servers": broker.bootstrap, "acks": "all"})
    for i in range(100):
        p.produce("durable", value=f"d{i}".encode())
    assert p.flush(30) == 0
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "durable-g", "enable.auto.commit": False})
    c.commit(offsets=[TopicPartition("durable", 0, 60)], asynchronous=False)
    c.close()

    broker.restart()

    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "durable-g", "auto.offset.reset": "earliest",
                  "enable.auto.commit": False})
    committed = c.committed([TopicPartition("durable", 0)], timeout=10)
    assert committed[0].offset == 60
    c.assign([TopicPartition("durable", 0, 0)])
    values = []
    deadline = time.time() + 20
    while len(values) < 100 and time.time() < deadline:
        m = c.poll(0.5)
        if m is not None and not m.error():
            values.append(m.value().decode())
    c.close()
    assert values == [f"d{i}" for i in range(100)]
