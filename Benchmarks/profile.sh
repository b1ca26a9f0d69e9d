#!/usr/bin/env bash
# Profiles ssegate under fan-out with perf: starts its own release ssegate, opens 5,000 HTTP/2 streams on
# one channel, publishes 50 events/s, records `perf record -g` of the server during the publish phase, and
# writes the flat (self) and inclusive (children) top lists to Benchmarks/results/profile-<stamp>/.
#
#   Benchmarks/profile.sh [seconds] [fanout|h1|churn|large]     # default 10 fanout
# `h1` is the HTTP/1.1 fan-out instead: 1,000 TLS connections, one stream each (`fanout_h1_1k_50` of run.sh).
# `large` is 200 KB events to 50 streams of one HTTP/2 connection at 5 events/s (`large` of run.sh).
# `churn` profiles new TLS connections instead: 32 workers connect, handshake, GET /healthz, close.
# `SSEGATE=path/to/ssegate` profiles another binary (an older build) instead of .build/release/ssegate.
# `FEATURES=1` (fanout only): JWT on subscribe, metrics and the access log on, as `FEATURES_AB=1 ab.sh` runs them.
# `CALL_GRAPH=dwarf` unwinds with DWARF instead of frame pointers: slower, but samples inside the system
# libcrypto/libc (built without frame pointers) then keep their Swift callers.
set -euo pipefail
SECONDS_TO_RECORD=${1:-10}
SCENARIO=${2:-fanout}
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$ROOT/Benchmarks/.work
OUT=$ROOT/Benchmarks/results/profile-$SCENARIO-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT" "$WORK/certs"
ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)"
if [[ ! -f $WORK/certs/localhost.pem ]]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj /CN=localhost \
        -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
        -keyout "$WORK/certs/localhost-key.pem" -out "$WORK/certs/localhost.pem" 2>/dev/null
fi
source Benchmarks/features.sh
features_setup "$WORK" "${SSEGATE:-$ROOT/.build/release/ssegate}"
CONFIG=$FEATURES_CONFIG
STREAM_PATH=$FEATURES_PATH
"${SSEGATE:-$ROOT/.build/release/ssegate}" run --config "$CONFIG" >>"$WORK/ssegate-profile.log" 2>&1 &
PID=$!
PERF_PID=""
cleanup() {
    [[ -n $PERF_PID ]] && kill -INT "$PERF_PID" 2>/dev/null || true
    kill "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true  # its ports are free for the next run once it has exited
}
trap cleanup EXIT
for _ in $(seq 50); do curl -sf -o /dev/null http://127.0.0.1:8080/healthz && break; sleep 0.2; done

# Subscribe and publish in the background; record once the streams are open (about 2 s).
if [[ $SCENARIO == churn ]]; then
    "$ROOT/.build/release/ssegate-load" churn --label ssegate --server-pid "$PID" --workers 32 \
        --duration $((SECONDS_TO_RECORD + 4)) >"$OUT/churn.txt" 2>&1 &
elif [[ $SCENARIO == h1 ]]; then
    "$ROOT/.build/release/ssegate-load" fanout --label ssegate --server-pid "$PID" --protocol-name http1 \
        --connections 1000 --rate 50 --duration $((SECONDS_TO_RECORD + 4)) \
        --hosts 127.0.0.1,127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6,127.0.0.7,127.0.0.8 >"$OUT/fanout.txt" 2>&1 &
elif [[ $SCENARIO == large ]]; then
    "$ROOT/.build/release/ssegate-load" large --label ssegate --server-pid "$PID" --connections 1 --streams 50 \
        --size 200000 --rate 5 --duration $((SECONDS_TO_RECORD + 4)) --drain 10 \
        --publish-url 'http://127.0.0.1:8080/publish/{channel}' >"$OUT/large.txt" 2>&1 &
else
    "$ROOT/.build/release/ssegate-load" fanout --label ssegate --server-pid "$PID" --connections 50 --streams 100 \
        --path "$STREAM_PATH" --rate 50 --duration $((SECONDS_TO_RECORD + 4)) >"$OUT/fanout.txt" 2>&1 &
fi
LOAD=$!
sleep 3
perf record -F 999 --call-graph "${CALL_GRAPH:-fp}" -p "$PID" -o "$OUT/perf.data" -- sleep "$SECONDS_TO_RECORD" 2>"$OUT/perf-record.log" &
PERF_PID=$!
wait "$PERF_PID" || true
PERF_PID=""
wait "$LOAD" || true

perf report -i "$OUT/perf.data" --no-children --sort dso,symbol --stdio --percent-limit 0.5 2>/dev/null \
    | swift demangle --simplified >"$OUT/self.txt"
perf report -i "$OUT/perf.data" --children --sort symbol --stdio -g none --percent-limit 2 2>/dev/null \
    | swift demangle --simplified >"$OUT/children.txt"
perf report -i "$OUT/perf.data" --no-children --sort dso --stdio 2>/dev/null | grep -E '^ +[0-9]' >"$OUT/dso.txt"
grep -E '^ +[0-9]' "$OUT/self.txt" | head -25
head -8 "$OUT/dso.txt"
echo "profile: $OUT"
