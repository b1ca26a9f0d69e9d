#!/usr/bin/env bash
# Heap profile of ssegate holding N single-stream TLS HTTP/2 connections (the ≤16 KiB/connection target):
# runs the release ssegate under heaptrack, opens the connections with ssegate-load idle, stops ssegate by
# PID, and writes heaptrack_print's peak-memory call sites to Benchmarks/results/heap-<stamp>/peaks.txt.
#
#   Benchmarks/heap-profile.sh [connections] [streams per connection]    # default 2000 1
set -euo pipefail
CONNECTIONS=${1:-2000}
STREAMS=${2:-1}
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/Benchmarks/results/heap-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)"
heaptrack -o "$OUT/ssegate" "$ROOT/.build/release/ssegate" run --config Benchmarks/ssegate-bench.yaml \
    >"$OUT/heaptrack.log" 2>&1 &
WRAPPER=$!
for _ in $(seq 100); do curl -sf -o /dev/null http://127.0.0.1:8080/healthz && break; sleep 0.2; done
PID=$(pgrep -P "$WRAPPER" -n ssegate || true)
[[ -z $PID ]] && PID=$(pgrep -n -x ssegate -P "$(pgrep -P "$WRAPPER" | head -1)" || true)
"$ROOT/.build/release/ssegate-load" idle --label ssegate ${PID:+--server-pid $PID} --connections "$CONNECTIONS" \
    --streams "$STREAMS" --hold 3 \
    --hosts 127.0.0.1,127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6,127.0.0.7,127.0.0.8 >"$OUT/idle.txt" 2>&1
[[ -n $PID ]] && kill "$PID"
wait "$WRAPPER" || true
heaptrack_print -f "$OUT"/ssegate*.zst --print-peaks 1 --print-allocators 0 --print-temporary 0 \
    --print-leaks 0 --peak-limit 25 --sub-peak-limit 3 2>/dev/null | swift demangle --simplified >"$OUT/peaks.txt"
rm -f "$OUT"/ssegate*.zst
grep -E "^PEAK|^[0-9.]+[KMG]?B? peak memory" "$OUT/peaks.txt" | head -30
echo "heap profile: $OUT"
