#!/usr/bin/env bash
# kdc-down.sh DIR: stops the KDC that kdc-up.sh started from DIR (files stay for inspection).
set -euo pipefail
dir=${1:?usage: kdc-down.sh DIR}
pidfile="$dir/kdc.pid"
[ -s "$pidfile" ] || exit 0
pid=$(cat "$pidfile")
if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
fi
rm -f "$pidfile"
