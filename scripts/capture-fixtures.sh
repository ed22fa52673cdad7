#!/usr/bin/env bash
# Re-captures the golden request frames in Tests/KafkaWireTests/Fixtures/captured from
# real clients (kcat, confluent-kafka, kafka-python) talking to wire-capture on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --product wire-capture
out=$(mktemp -d)
port=${CAPTURE_PORT:-19092}
.build/debug/wire-capture "$port" "$out" >/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
sleep 1
(cd tests/clients && ../../.venv/bin/python -c "
import clients
b = '127.0.0.1:$port'
clients.run_kcat(b); clients.run_confluent(b); clients.run_kafka_python(b)
")
dest=Tests/KafkaWireTests/Fixtures/captured
rm -rf "$dest"
mkdir -p "$dest"
cp -r "$out"/*/ "$dest"/
echo "captured into $dest:"
find "$dest" -name '*.bin' | sort
