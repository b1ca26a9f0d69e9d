#!/usr/bin/env bash
# What the heap holds per idle stream or connection, by component and by call site: runs the release
# ssegate under heaptrack, opens the streams with ssegate-load idle, and SIGKILLs ssegate while they are
# still open, so "leaked" (never freed) is exactly the heap of the idle state. (heap-profile.sh reports
# the peak instead, which for many connections falls while clients close and TLS read buffers come and go.)
# Writes Benchmarks/results/heap-<stamp>/components.md (a table per unit) and sites.txt (call sites per unit).
#
#   Benchmarks/heap-attribution.sh [connections] [streams per connection]     # default 2000 1
#   PROTO=http1 Benchmarks/heap-attribution.sh 2000 1                         # HTTP/1.1 over TLS
#   SSEGATE=/tmp/old-ssegate Benchmarks/heap-attribution.sh 100 100           # another binary
#   FEATURES=1 Benchmarks/heap-attribution.sh 100 100                         # JWT, metrics, access log on
#
# Units are streams (connections × streams). Bytes are what was asked of malloc; RSS adds malloc's chunk
# overhead and drops pages never touched (nghttp2's frame buffer, whose pages go back to the kernel).
set -euo pipefail
CONNECTIONS=${1:-2000}
STREAMS=${2:-1}
PROTO=${PROTO:-h2}
cd "$(dirname "$0")/.."
ROOT=$PWD
SSEGATE=${SSEGATE:-$ROOT/.build/release/ssegate}
OUT=$ROOT/Benchmarks/results/heap-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)"
# FEATURES=1: JWT on subscribe, metrics and the access log on (Benchmarks/features-config.py), as in run.sh.
source Benchmarks/features.sh
features_setup "$OUT" "$SSEGATE"
CONFIG=$FEATURES_CONFIG
SUBSCRIBE_PATH=$FEATURES_PATH
heaptrack -o "$OUT/ssegate" "$SSEGATE" run --config "$CONFIG" >"$OUT/heaptrack.log" 2>&1 &
WRAPPER=$!
for _ in $(seq 100); do curl -sf -o /dev/null http://127.0.0.1:8080/healthz && break; sleep 0.2; done
PID=$(pgrep -P "$WRAPPER" -n ssegate || true)
[[ -z $PID ]] && PID=$(pgrep -n -x ssegate -P "$(pgrep -P "$WRAPPER" | head -1)" || true)
[[ -z $PID ]] && { echo "ssegate did not start (see $OUT/heaptrack.log)" >&2; kill "$WRAPPER" 2>/dev/null; exit 1; }
"$ROOT/.build/release/ssegate-load" idle --protocol-name "$PROTO" --label ssegate --path "$SUBSCRIBE_PATH" --connections "$CONNECTIONS" \
    --streams "$STREAMS" --hold 8 \
    --hosts 127.0.0.1,127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6,127.0.0.7,127.0.0.8 >"$OUT/idle.txt" 2>&1 &
LOAD=$!
# All connections established, then a few seconds for the streams to open on them.
for _ in $(seq 300); do
    [[ $(ss -Htn state established '( sport = :8443 )' | wc -l) -ge $CONNECTIONS ]] && break
    sleep 0.2
done
sleep 3
kill -9 "$PID"
wait "$LOAD" || true
wait "$WRAPPER" || true
heaptrack_print -f "$OUT"/ssegate*.zst --print-peaks 0 --print-allocators 0 --print-temporary 0 --print-leaks 0 \
    --flamegraph-cost-type leaked -F "$OUT/leaked.stacks" >/dev/null 2>&1
swift demangle --simplified <"$OUT/leaked.stacks" >"$OUT/leaked-demangled.stacks"
UNITS=$((CONNECTIONS * STREAMS))
python3 "$ROOT/Benchmarks/heap_attribution.py" components "$OUT/leaked-demangled.stacks" "$UNITS" >"$OUT/components.md"
python3 "$ROOT/Benchmarks/heap_attribution.py" sites "$OUT/leaked-demangled.stacks" "$UNITS" >"$OUT/sites.txt"
rm -f "$OUT"/ssegate*.zst "$OUT/leaked.stacks" "$OUT/leaked-demangled.stacks"
cat "$OUT/components.md"
echo "heap attribution: $OUT"
