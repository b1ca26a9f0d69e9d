#!/usr/bin/env bash
# Subscribes per second, and server CPU per subscribe, with auth off and on (HS256, ES256): one ssegate
# (release) with three routes, and `ssegate-load idle` opening C × M HTTP/2 streams on each in turn.
# Tokens are minted with `ssegate token` and sent as ?access_token= (the path is the load client's
# --path), so every subscribe finds, parses and verifies one.
#
#   Benchmarks/auth-subscribe.sh [CONNECTIONS] [STREAMS_PER_CONNECTION] [ROUNDS]   # defaults: 20 100 3
#
# Prints one JSON line per run (from ssegate-load) and a summary row per mode for BENCHMARKS.md.
set -euo pipefail
CONNECTIONS=${1:-20}
STREAMS=${2:-100}
ROUNDS=${3:-3}
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
    [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    swift build -c release --product ssegate
    swift build -c release --product ssegate-load
fi
SSEGATE=$ROOT/.build/release/ssegate
LOAD=$ROOT/.build/release/ssegate-load

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/es256.key" 2>/dev/null
openssl pkey -in "$WORK/es256.key" -pubout -out "$WORK/es256.pub.pem"
export SSEGATE_JWT_SECRET=$(openssl rand -hex 32)
cat > "$WORK/ssegate.yaml" <<YAML
listeners:
  # One load-generating address: no per-client limits.
  - {name: public, host: 127.0.0.1, port: 18443, tls: true, max_connections_per_ip: 0, handshakes_per_second_per_ip: 0}
tls:
  certificates: [{certificate: $WORK/certs/localhost.pem, key: $WORK/certs/localhost-key.pem}]
  development_directory: $WORK/certs
http2: {max_concurrent_streams: 1000}
logging: {level: warning, access_log: false}
auth:
  jwt:
    keys:
      - {alg: HS256, secret_env: SSEGATE_JWT_SECRET}
      - {alg: ES256, public_key_file: $WORK/es256.pub.pem}
routes:
  - {path: "/open/{channel}", channel: "{channel}"}
  - {path: "/jwt/{channel}", channel: "{channel}", auth: jwt}
YAML
HS256=$("$SSEGATE" token --config "$WORK/ssegate.yaml" --sub bench --subscribe 'bench*' --ttl 1h)
ES256=$("$SSEGATE" token --config "$WORK/ssegate.yaml" --sub bench --subscribe 'bench*' --ttl 1h --key "$WORK/es256.key")

"$SSEGATE" run --config "$WORK/ssegate.yaml" 2>"$WORK/server.log" &
SERVER_PID=$!
for _ in $(seq 100); do
    grep -q listening "$WORK/server.log" 2>/dev/null && break
    sleep 0.1
done

run() {  # label path
    for round in $(seq "$ROUNDS"); do
        "$LOAD" idle --label "$1" --server-pid "$SERVER_PID" --port 18443 --path "$2" \
            -c "$CONNECTIONS" -s "$STREAMS" --hold 0.5 | sed -n 's/^JSON //p'
    done
}
{
    run auth-off "/open/{channel}"
    run auth-hs256 "/jwt/{channel}?access_token=$HS256"
    run auth-es256 "/jwt/{channel}?access_token=$ES256"
} | tee "$WORK/runs.jsonl"

python3 - "$WORK/runs.jsonl" <<'PY'
import json, sys, collections
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    line = line.strip()
    if line.startswith("{"):
        r = json.loads(line)
        runs[r["label"]].append(r)
print("| mode | streams opened | subscribes/s (median) | server CPU µs per subscribe (median) | failed |")
print("|---|---|---|---|---|")
for label, rs in runs.items():
    rates = sorted(r["streams_open"] / r["open_seconds"] for r in rs)
    cpu = sorted(r["server_cpu_open_seconds"] * 1e6 / max(1, r["streams_open"]) for r in rs)
    failed = sum(r["streams_failed"] + r["connections_failed"] for r in rs)
    print(f"| {label} | {rs[0]['streams_open']} × {len(rs)} | {rates[len(rates)//2]:,.0f} | {cpu[len(cpu)//2]:.1f} | {failed} |")
PY
