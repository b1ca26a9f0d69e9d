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
# (which reads the server's RSS before and after, and its CPU while the streams open), and stops it by PID.
# Prints KiB per stream and the CPU seconds to open them for every run, then the means and new/old.
set -euo pipefail
OLD=$1
NEW=$2
PAIRS=${3:-3}
CONNECTIONS=${CONNECTIONS:-100}
STREAMS=${STREAMS:-100}
PROTOCOL=${PROTOCOL:-}
source "$(dirname "$0")/one-server.sh"

# measure BINARY: sets RESULT to "<server RSS per stream in KiB> <server CPU seconds to open the streams>". Runs
# in this shell (not a subshell) so the EXIT trap always knows the server's PID.
RESULT=""
measure() {
    "$1" run --config Benchmarks/ssegate-bench.yaml >>"$WORK/ssegate-idle-ab.log" 2>&1 &
    PID=$!
    for _ in $(seq 50); do curl -sf -o /dev/null http://127.0.0.1:8080/healthz && break; sleep 0.2; done
    sleep 0.5
    local protocol=()
    [[ -n $PROTOCOL ]] && protocol=(--protocol-name "$PROTOCOL")
    "$LOAD" idle --label ssegate --server-pid "$PID" --port 8443 --path '/events/{channel}' "${protocol[@]}" \
        --connections "$CONNECTIONS" --streams "$STREAMS" --hosts 127.0.0.1,127.0.0.2,127.0.0.3,127.0.0.4 --hold 3 \
        >"$WORK/idle-ab.run.txt" 2>&1 || true
    stop
    RESULT=$(awk '$1 == "server_rss_per_stream_kib" { kib = $2 } $1 == "server_cpu_open_seconds" { cpu = $2 }
                  END { print kib, cpu }' "$WORK/idle-ab.run.txt")
}

echo "shape: $CONNECTIONS connections × $STREAMS streams${PROTOCOL:+ ($PROTOCOL)}; old $OLD; new $NEW"
olds=()
news=()
old_cpus=()
new_cpus=()
for pair in $(seq "$PAIRS"); do
    measure "$OLD"; read -r old old_cpu <<<"$RESULT"
    measure "$NEW"; read -r new new_cpu <<<"$RESULT"
    echo "pair $pair: old $old KiB ($old_cpu s to open) | new $new KiB ($new_cpu s to open) per stream"
    olds+=("$old")
    news+=("$new")
    old_cpus+=("$old_cpu")
    new_cpus+=("$new_cpu")
done
python3 - "${olds[*]}" "${news[*]}" "${old_cpus[*]}" "${new_cpus[*]}" <<'EOF'
import sys
old, new, old_cpu, new_cpu = ([float(x) for x in arg.split()] for arg in sys.argv[1:5])
mean = lambda xs: sum(xs) / len(xs)
mo, mn = mean(old), mean(new)
print(f"mean: old {mo:.3f} KiB, new {mn:.3f} KiB per stream; new - old {(mn - mo) * 1024:+.0f} B, new/old {mn / mo:.3f}")
print(f"CPU to open: old {mean(old_cpu):.3f} s, new {mean(new_cpu):.3f} s; new/old {mean(new_cpu) / mean(old_cpu):.3f}")
EOF
