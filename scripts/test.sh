#!/usr/bin/env bash
# Runs every test: installs what is missing, builds, runs the Swift test suites
# (codec, generator check, fuzz smoke run), then the client tests with real clients.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

swift build --build-tests
swift test --skip-build --parallel

# Client tests run the real binaries (debug builds) against real clients on loopback.
swift build --product bulwark
swift build --product wire-capture
.venv/bin/python -m pytest -q tests/clients
