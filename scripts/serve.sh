#!/usr/bin/env bash
# Builds and runs the broker: scripts/serve.sh [bulwark serve options]
set -euo pipefail
cd "$(dirname "$0")/.."
BULWARK_NO_VENV=1 scripts/setup.sh
swift build -c release --product bulwark
exec .build/release/bulwark serve "$@"
