#!/usr/bin/env bash
# Regenerates the KafkaWire codec from ../shared/kafka-protocol/messages.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product kafka-wire-gen
.build/debug/kafka-wire-gen "${1:-../shared/kafka-protocol/messages}" .
