#!/usr/bin/env bash
# Scale-out on Redis (issue 14), in one run on one machine, so the figures compare with each other:
#   1. publishes per second through Redis (one node) and through the memory engine (one node);
#   2. fan-out to 5,000 streams spread over 2 Redis nodes (connections alternate between the nodes):
#      server CPU per delivery (both nodes summed) and latency p99;
#   3. the latency the Redis hop adds: 10 streams at 100 events/s published on one Redis node and read on
#      the other, against the memory node; and the same 5,000 streams on the memory node alone.
#
#   Benchmarks/scaleout.sh            # SKIP_BUILD=1 to reuse the release binaries
#
# Starts its own redis-server (temporary folder, free port, no persistence) and three ssegate processes
# (two on Redis: 8443/8080 and 8444/8081; one on memory: 8445/8082), all stopped by PID on exit. Results go
# to Benchmarks/results/<UTC stamp>-scaleout/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$ROOT/Benchmarks/.work
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$ROOT/Benchmarks/results/$STAMP-scaleout
mkdir -p "$WORK/certs" "$OUT"
ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)"
[[ ${SKIP_BUILD:-0} == 1 ]] || swift build -c release --product ssegate --product ssegate-load
SSEGATE=$ROOT/.build/release/ssegate
LOAD=$ROOT/.build/release/ssegate-load
if [[ ! -f $WORK/certs/localhost.pem ]]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj /CN=localhost \
        -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
        -keyout "$WORK/certs/localhost-key.pem" -out "$WORK/certs/localhost.pem" 2>/dev/null
fi

PIDS=()
REDIS_DIR=$(mktemp -d)
stop() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$REDIS_DIR"; }
trap stop EXIT

REDIS_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --dir "$REDIS_DIR" --daemonize no >"$OUT/redis.log" 2>&1 &
REDIS_PID=$!
PIDS+=("$REDIS_PID")
for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

# node NAME TLS_PORT PLAIN_PORT ENGINE_YAML: starts ssegate on the bench config with other ports and engine.
node() {
    local config=$WORK/scaleout-$1.yaml
    sed -e "s/port: 8443/port: $2/" -e "s/port: 8080/port: $3/" Benchmarks/ssegate-bench.yaml >"$config"
    printf '\nengine: %s\n' "$4" >>"$config"
    "$SSEGATE" run --config "$config" >>"$OUT/$1.log" 2>&1 &
    PIDS+=($!)
    eval "PID_$1=$!"
    for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$3/healthz" && return; sleep 0.2; done
    echo "node $1 did not start" >&2; exit 1
}
REDIS_ENGINE="{type: redis, url: \"redis://127.0.0.1:$REDIS_PORT\", key_prefix: bench$STAMP}"
node r1 8443 8080 "$REDIS_ENGINE"
node r2 8444 8081 "$REDIS_ENGINE"
node mem 8445 8082 "{type: memory}"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
scenario() {  # NAME ARGS...: one ssegate-load run, its summary and JSON line kept, plus Redis's own CPU
    local name=$1; shift
    echo "== $name: $*" | tee -a "$OUT/summary.txt"
    local before; before=$(cpu_ticks "$REDIS_PID")
    "$LOAD" "$@" >"$OUT/$name.txt"
    local after; after=$(cpu_ticks "$REDIS_PID")
    grep '^JSON ' "$OUT/$name.txt" | sed 's/^JSON //' >"$OUT/$name.json" || true
    echo "redis_cpu_seconds $(python3 -c "print(($after - $before) / $(getconf CLK_TCK))")" | tee -a "$OUT/$name.txt" "$OUT/summary.txt"
    python3 - "$OUT/$name.json" <<'PY' | tee -a "$OUT/summary.txt"
import json, sys
r = json.load(open(sys.argv[1]))
keys = ["published", "publish_rate_achieved", "delivered", "lost", "duplicated", "latency_p50_ms", "latency_p99_ms",
        "server_cpu_seconds", "server_cpu_us_per_delivery"]
print("  " + "  ".join(f"{k}={r.get(k)}" for k in keys))
PY
}

# 1. Publishes per second: 1 stream per channel on 100 channels, an offered rate above what one node takes.
scenario publish_redis fanout --label redis --port 8443 --ca-file "$WORK/certs/localhost.pem" --connections 1 --streams 100 --channels 100 \
    --publish-url 'http://127.0.0.1:8080/publish/{channel}' --publish-connections 16 --rate 20000 --duration 5 --server-pid "$PID_r1"
scenario publish_memory fanout --label memory --port 8445 --ca-file "$WORK/certs/localhost.pem" --connections 1 --streams 100 --channels 100 \
    --publish-url 'http://127.0.0.1:8082/publish/{channel}' --publish-connections 16 --rate 20000 --duration 5 --server-pid "$PID_mem"

# 3a. The Redis hop alone: 10 streams, 100 events/s, nothing saturated; Redis node, then memory node.
scenario hop_redis fanout --label redis --port 8444 --ca-file "$WORK/certs/localhost.pem" --connections 1 --streams 10 \
    --publish-url 'http://127.0.0.1:8080/publish/{channel}' --rate 100 --duration 10 --server-pid "$PID_r1" --server-pid "$PID_r2"
scenario hop_memory fanout --label memory --port 8445 --ca-file "$WORK/certs/localhost.pem" --connections 1 --streams 10 \
    --publish-url 'http://127.0.0.1:8082/publish/{channel}' --rate 100 --duration 10 --server-pid "$PID_mem"

# 2. and 3. 5,000 streams of one channel, 50 events/s for 10 s: over two Redis nodes, then on the memory node.
scenario fanout_5k_redis_2nodes fanout --label redis-2-nodes --ports 8443,8444 --ca-file "$WORK/certs/localhost.pem" --connections 50 --streams 100 \
    --publish-url 'http://127.0.0.1:8080/publish/{channel}' --rate 50 --duration 10 --server-pid "$PID_r1" --server-pid "$PID_r2"
scenario fanout_5k_memory fanout --label memory --port 8445 --ca-file "$WORK/certs/localhost.pem" --connections 50 --streams 100 \
    --publish-url 'http://127.0.0.1:8082/publish/{channel}' --rate 50 --duration 10 --server-pid "$PID_mem"
echo "results in $OUT"
