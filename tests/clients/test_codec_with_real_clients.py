"""Real clients talk to wire-capture; every request they send must decode with KafkaWire,
and each must get far enough to send exactly the requests expected of it."""
import clients
from conftest import decoded


def assert_all_ok(seen):
    bad = {k: v for k, v in seen.items() if any(not o.startswith("ok") for o in v)}
    assert bad == {}


def test_kcat_librdkafka_2_0_2(capture):
    bootstrap, out = capture
    clients.run_kcat(bootstrap)
    seen = decoded(out)
    assert_all_ok(seen)
    keys = set(seen)
    assert ("kcat-metadata", "ApiVersions-v3") in keys
    assert ("kcat-metadata", "Metadata-v4") in keys
    for codec in clients.KCAT_CODECS:
        # librdkafka 2.0.2 tops out at Produce v7: the non-flexible encoding.
        assert (f"kcat-produce-{codec}", "Produce-v7") in keys, codec
    assert ("kcat-consume", "ListOffsets-v2") in keys
    assert ("kcat-consume", "Fetch-v11") in keys


def test_confluent_kafka(capture):
    bootstrap, out = capture
    clients.run_confluent(bootstrap)
    seen = decoded(out)
    assert_all_ok(seen)
    keys = set(seen)
    # librdkafka 2.16 uses the flexible encodings where we offer them.
    assert ("confluent-capture", "ApiVersions-v3") in keys
    assert ("confluent-capture", "Metadata-v12") in keys
    assert ("confluent-capture", "InitProducerId-v4") in keys
    assert ("confluent-capture", "Produce-v9") in keys
    assert ("confluent-admin", "CreateTopics-v4") in keys


def test_kafka_python(capture):
    bootstrap, out = capture
    clients.run_kafka_python(bootstrap)
    seen = decoded(out)
    assert_all_ok(seen)
    keys = set(seen)
    assert ("kafka-python-capture", "ApiVersions-v4") in keys
    assert ("kafka-python-capture", "Metadata-v12") in keys
    assert ("kafka-python-capture", "Produce-v9") in keys
