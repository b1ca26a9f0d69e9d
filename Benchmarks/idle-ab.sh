#!/usr/bin/env bash
# Alternating idle-memory runs of two ssegate binaries, for changes to what a stream or a connection keeps:
# RSS per stream moves by a few bytes between runs (allocator placement), so each pair runs back to back and
# the comparison is the mean of the pairs.
#
#   Benchmarks/idle-ab.sh OLD_SSEGATE NEW_SSEGATE [PAIRS]                 # 100 connections × 100 HTTP/2 streams
#   CONNECTIONS=2000 STREAMS=1 Benchmarks/idle-ab.sh OLD NEW [PAIRS]      # single-stream HTTP/2 connections
#   CONNECTIONS=2000 PROTOCOL=http1 Benchmarks/idle-ab.sh OLD NEW [PAIRS] # single-stream HTTP/1.1 connections
#
# Each run starts the binary on Benchmarks/ssegate-bench.yaml, opens the streams with `ssegate-load idle`
# (which reads the server's RSS before and after), and stops it by PID. Prints KiB per stream for every run,
# then the means and new/old.
set -euo pipefail
OLD=$1
NEW=$2
PAIRS=${3:-3}
CONNECTIONS=${CONNECTIONS:-100}
STREAMS=${STREAMS:-100}
PROTOCOL=${PROTOCOL:-}
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$ROOT/Benchmarks/.work
mkdir -p "$WORK/certs"
ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)"
[[ ${SKIP_BUILD:-0} == 1 ]] || swift build -c release --product ssegate-load
LOAD=${LOAD:-$ROOT/.build/release/ssegate-load}
if [[ ! -f $WORK/certs/localhost.pem ]]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj /CN=localhost \
        -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
        -keyout "$WORK/certs/localhost-key.pem" -out "$WORK/certs/localhost.pem" 2>/dev/null
fi

PID=""
stop() { [[ -n $PID ]] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true; PID=""; }
trap stop EXIT

# measure BINARY: prints the server's RSS per stream in KiB.
measure() {
    "$1" run --config Benchmarks/ssegate-bench.yaml >>"$WORK/ssegate-idle-ab.log" 2>&1 &
    PID=$!
    for _ in $(seq 50); do curl -sf -o /dev/null http://127.0.0.1:8080/healthz && break; sleep 0.2; done
    sleep 0.5
    local protocol=()
    [[ -n $PROTOCOL ]] && protocol=(--protocol-name "$PROTOCOL")
    "$LOAD" idle --label ssegate --server-pid "$PID" --port 8443 --path '/events/{channel}' "${protocol[@]}" \
        --connections "$CONNECTIONS" --streams "$STREAMS" --hosts 127.0.0.1,127.0.0.2,127.0.0.3,127.0.0.4 --hold 3 |
        awk '$1 == "server_rss_per_stream_kib" { print $2 }'
    stop
}

echo "shape: $CONNECTIONS connections × $STREAMS streams${PROTOCOL:+ ($PROTOCOL)}; old $OLD; new $NEW"
olds=()
news=()
for pair in $(seq "$PAIRS"); do
    old=$(measure "$OLD")
    new=$(measure "$NEW")
    echo "pair $pair: old $old KiB | new $new KiB per stream"
    olds+=("$old")
    news+=("$new")
done
python3 - "${olds[*]}" "${news[*]}" <<'EOF'
import sys
old = [float(x) for x in sys.argv[1].split()]
new = [float(x) for x in sys.argv[2].split()]
mo, mn = sum(old) / len(old), sum(new) / len(new)
print(f"mean: old {mo:.3f} KiB, new {mn:.3f} KiB per stream; new - old {(mn - mo) * 1024:+.0f} B, new/old {mn / mo:.3f}")
EOF
