#!/usr/bin/env bash
# Runs every test: installs what is missing, builds, runs the Swift test suites
# (codec, generator check, fuzz smoke run), then the client tests with real clients.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

swift build --build-tests
# Serially: several suites use real time, fsync and child processes, and 2 cores shared by
# parallel suites starve their timers.
swift test --skip-build --no-parallel

# Client tests run the real binaries (debug builds) against real clients on loopback.
swift build --product bulwark
swift build --product wire-capture
swift build --product audit-bench
.venv/bin/python -m pytest -q tests/clients
