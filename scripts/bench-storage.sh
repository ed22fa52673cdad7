#!/usr/bin/env bash
# Storage benchmark: the storage engine against this machine's own disk limits,
# measured by fio in the same session, interleaved (fio, ours, fio, ours …).
#
#   scripts/bench-storage.sh                # 3 pairs, 2 GiB page-cache runs, 1 GiB fsync runs, 10 GB start-up test
#   PAIRS=5 PAGECACHE_BYTES=4294967296 scripts/bench-storage.sh
#   STARTUP_PARTITIONS=0 scripts/bench-storage.sh   # skip the start-up test (it writes 10 GB once)
#   STARTUP_DIR=/var/tmp/startup-data scripts/bench-storage.sh  # keep (and reuse) the 10 GB start-up data
#   DROP_INODE_CACHE=1 scripts/bench-storage.sh     # start-up also with cold inode/dentry caches (root;
#                                                   # drops the machine's reclaimable slab, not its page cache)
#   ENCRYPTION=1 scripts/bench-storage.sh           # only encryption at rest: sealed ÷ plain, page-cache
#                                                   # append and read, PAIRS interleaved pairs (no fio)
#
# Prints a markdown table (medians, min–max, median of per-pair ratios) for
# docs/BENCHMARKS.md. BENCH_DIR must be on the disk to measure (default /var/tmp).
set -euo pipefail
cd "$(dirname "$0")/.."

PAIRS=${PAIRS:-3}
PAGECACHE_BYTES=${PAGECACHE_BYTES:-2147483648}
FSYNC_BYTES=${FSYNC_BYTES:-1073741824}
APPENDERS=${APPENDERS:-8}
STARTUP_PARTITIONS=${STARTUP_PARTITIONS:-1000}
STARTUP_BYTES_EACH=${STARTUP_BYTES_EACH:-10485760}
SCRATCH=${SCRATCH:-.build}

if ! command -v fio >/dev/null; then
    echo "installing fio (Debian package)…" >&2
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get install -y fio >/dev/null 2>&1 || { $SUDO apt-get update >/dev/null && $SUDO apt-get install -y fio >/dev/null; }
fi
swift build -c release --scratch-path "$SCRATCH" --product storage-bench >&2
BENCH="$SCRATCH/release/storage-bench"

WORK=$(mktemp -d "${BENCH_DIR:-/var/tmp}/bulwark-storage-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
RESULTS="$WORK/results.jsonl"
: > "$RESULTS"

if [ "${ENCRYPTION:-0}" = 1 ]; then
    # A throwaway master key for the sealed runs, in the environment only.
    KEY=$(python3 -c "import secrets; print(secrets.token_hex(32))")
    for pair in $(seq 1 "$PAIRS"); do
        echo "— encryption pair $pair of $PAIRS" >&2
        "$BENCH" pagecache-append "$WORK/plain" "$PAGECACHE_BYTES" | tee -a "$RESULTS" >&2
        "$BENCH" read "$WORK/plain" | tee -a "$RESULTS" >&2
        rm -rf "$WORK/plain"
        STORAGE_BENCH_MASTER_KEY=$KEY "$BENCH" pagecache-append "$WORK/sealed" "$PAGECACHE_BYTES" | tee -a "$RESULTS" >&2
        STORAGE_BENCH_MASTER_KEY=$KEY "$BENCH" read "$WORK/sealed" | tee -a "$RESULTS" >&2
        rm -rf "$WORK/sealed"
    done
    python3 - "$RESULTS" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def series(name): return [r['mbps'] for r in rows if r['name'] == name]
def fmt(xs): return f"{statistics.median(xs):.0f} MB/s ({min(xs):.0f}–{max(xs):.0f})"
print("| benchmark | sealed: median (min–max) | plain, same run | median per-pair ratio | target | |")
print("|---|---|---|---|---|---|")
for label, name in [("page-cache append, ~1 MiB batches of 1 KiB records, + final flush", "pagecache-append"),
                    ("reads from the page cache, 1 MiB fetches, CRC-checked (and opened)", "pagecache-read")]:
    sealed, plain = series(name + "-sealed"), series(name)
    r = statistics.median([s / p for s, p in zip(sealed, plain)])
    print(f"| {label} | {fmt(sealed)} | {fmt(plain)} | {r:.2f}× | ≥ 0.9× | {'meets' if r >= 0.9 else 'misses'} |")
PY
    exit 0
fi

fio_run() { # name, size, extra fio flags…
    local name=$1 size=$2; shift 2
    mkdir -p "$WORK/fio"
    fio --name="$name" --directory="$WORK/fio" --rw=write --bs=1M --size="$size" --ioengine=psync "$@" \
        --output-format=json > "$WORK/fio.json"
    python3 -c "import json,sys; w=json.load(open(sys.argv[1]))['jobs'][0]['write']; \
print(json.dumps({'name': sys.argv[2], 'bytes': w['io_bytes'], 'seconds': w['runtime']/1000, 'mbps': w['bw_bytes']/1e6}))" \
        "$WORK/fio.json" "$name" | tee -a "$RESULTS" >&2
    rm -rf "$WORK/fio"
}

ours() {
    DROP_INODE_CACHE=${DROP_INODE_CACHE:-0} "$BENCH" "$@" | tee -a "$RESULTS" >&2
}

for pair in $(seq 1 "$PAIRS"); do
    echo "— pair $pair of $PAIRS" >&2
    # fio's buffered figure includes its final fsync (end_fsync); ours ends with flushAll.
    fio_run fio-buffered "$PAGECACHE_BYTES" --end_fsync=1
    ours pagecache-append "$WORK/pc" "$PAGECACHE_BYTES"
    ours read "$WORK/pc"
    rm -rf "$WORK/pc"
    fio_run fio-fsync "$FSYNC_BYTES" --fsync=1
    ours groupcommit-append "$WORK/gc" "$FSYNC_BYTES" "$APPENDERS"
    rm -rf "$WORK/gc"
done

if [ "$STARTUP_PARTITIONS" -gt 0 ]; then
    echo "— start-up: $STARTUP_PARTITIONS partitions × $STARTUP_BYTES_EACH bytes (filled once)" >&2
    STARTUP_DATA=${STARTUP_DIR:-$WORK/startup}
    "$BENCH" startup "$STARTUP_DATA" "$STARTUP_PARTITIONS" "$STARTUP_BYTES_EACH" >/dev/null  # fills once
    for run in 1 2 3; do
        ours startup "$STARTUP_DATA" "$STARTUP_PARTITIONS" "$STARTUP_BYTES_EACH"
    done
fi

python3 - "$RESULTS" "$APPENDERS" "${DROP_INODE_CACHE:-0}" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
appenders = sys.argv[2]
def series(name): return [r['mbps'] for r in rows if r['name'] == name]
def fmt(xs): return f"{statistics.median(xs):.0f} MB/s ({min(xs):.0f}–{max(xs):.0f})"
def ratio(ours, peer): return statistics.median([o / p for o, p in zip(ours, peer)])
pc, fb = series('pagecache-append'), series('fio-buffered')
gc, ff = series(f'groupcommit-append-{appenders}'), series('fio-fsync')
rd = series('pagecache-read')
print("| benchmark | ours: median (min–max) | fio, same run | median per-pair ratio | target | |")
print("|---|---|---|---|---|---|")
r = ratio(pc, fb)
print(f"| page-cache append, ~1 MiB batches of 1 KiB records, + final flush | {fmt(pc)} | buffered 1 MiB writes + end_fsync: {fmt(fb)} | {r:.2f}× | ≥ 0.9× | {'meets' if r >= 0.9 else 'misses'} |")
r = ratio(gc, ff)
print(f"| group commit, {appenders} appenders (one partition each), ack after fsync | {fmt(gc)} | fsync after every 1 MiB: {fmt(ff)} | {r:.2f}× | ≥ 0.8× | {'meets' if r >= 0.8 else 'misses'} |")
m = statistics.median(rd)
print(f"| reads from the page cache, 1 MiB fetches, CRC-checked | {fmt(rd)} | — | — | ≥ 2 GB/s | {'meets' if m >= 2000 else 'misses'} |")
st = [r for r in rows if r['name'] == 'startup']
if st:
    cold = [r['cold_seconds'] for r in st]; warm = [r['warm_seconds'] for r in st]
    gb = st[0]['bytes'] / 1e9
    c = statistics.median(cold)
    how = "inode/dentry caches dropped and our files evicted from the page cache" if sys.argv[3] == "1" else "our files evicted from the page cache"
    print(f"| start-up, {st[0]['partitions']} partitions, {gb:.1f} GB, {how} | {c:.2f} s ({min(cold):.2f}–{max(cold):.2f}); warm {statistics.median(warm):.2f} s | — | — | ≤ 2 s | {'meets' if c <= 2 else 'misses'} |")
PY
