#!/usr/bin/env bash
# Alternating before/after runs of one fan-out scenario against two ssegate binaries, for changes on the
# delivery path: the machine is shared and noisy, so each pair runs back to back and the comparison is
# the mean of the pairs' ratios.
#
#   Benchmarks/ab.sh OLD_SSEGATE NEW_SSEGATE [PAIRS]      # default 5 pairs of 5k streams × 50 events/s
#   METRICS_AB=1 Benchmarks/ab.sh SSEGATE SSEGATE [PAIRS]  # one binary: metrics off (old) against on (new)
#   FEATURES_AB=1 Benchmarks/ab.sh SSEGATE SSEGATE [PAIRS] # one binary: JWT on subscribe + metrics + access
#                                                            # log off (old) against all on (new)
#   PAD_AB=1 Benchmarks/ab.sh SSEGATE SSEGATE [PAIRS]     # one binary: the plain subscribe path (old) against
#                                                            # the same with a query parameter as long as the
#                                                            # features' token (new): a longer request, no auth
#   SCENARIO=h2-500 Benchmarks/ab.sh OLD_SSEGATE NEW_SSEGATE [PAIRS]  # 5k streams × 500/s for 4 s (`fanout_5k_500`
#                                                                    # of run.sh): past what the loops can take,
#                                                                    # so publishes pile up into batches
#   SCENARIO=channels Benchmarks/ab.sh OLD_SSEGATE NEW_SSEGATE [PAIRS]  # 10,000 streams over 1,000 channels,
#                                                                      # 1,000 publishes/s (`channels_10k_1k` of
#                                                                      # run.sh): ten subscribers per channel, on
#                                                                      # ten connections, so a write per delivery
#   SCENARIO=h1 Benchmarks/ab.sh OLD_SSEGATE NEW_SSEGATE [PAIRS]  # HTTP/1.1 over TLS, 1,000 streams × 50/s
#                                                                # (`fanout_h1_1k_50` of run.sh)
#   SCENARIO=large Benchmarks/ab.sh OLD_SSEGATE NEW_SSEGATE [PAIRS]  # 200 KB events × 50 streams of one
#                                                                   # connection, 5/s for 8 s (`large` of run.sh,
#                                                                   # twice as long); µs are per 200 KB delivery
#
# With METRICS_AB=1 the "new" runs use the bench config plus a `/metrics` route on the trusted listener,
# which turns on the delivery-path metrics (publish-to-write histogram, bytes out); each such run is
# scraped once at its end, so the counters are shown to be real, and the scrape's delivered total is printed.
#
# Each run starts the binary on Benchmarks/ssegate-bench.yaml, runs `ssegate-load fanout`, and stops it
# by PID. Prints CPU-µs per delivery and p99 for every run, then the means and the new/old ratio.
set -euo pipefail
OLD=$1
NEW=$2
PAIRS=${3:-5}
source "$(dirname "$0")/one-server.sh"

# An old binary may not know keys the current bench config has: OLD_CONFIG / NEW_CONFIG override either.
OLD_CONFIG=${OLD_CONFIG:-Benchmarks/ssegate-bench.yaml}
NEW_CONFIG=${NEW_CONFIG:-Benchmarks/ssegate-bench.yaml}
if [[ ${METRICS_AB:-0} == 1 ]]; then
    NEW_CONFIG=$WORK/ssegate-bench-metrics.yaml
    { cat Benchmarks/ssegate-bench.yaml; printf '  - path: /metrics\n    metrics: prometheus\n'; } >"$NEW_CONFIG"
fi
# With FEATURES_AB=1 the "new" runs turn on what a production edge would (Benchmarks/features-config.py):
# `auth: jwt` on the subscribe route, every stream presenting an HS256 token in ?access_token=; a `/metrics`
# route; the access log.
OLD_PATH='/events/{channel}'
NEW_PATH='/events/{channel}'
if [[ ${FEATURES_AB:-0} == 1 ]]; then
    source Benchmarks/features.sh
    features_setup "$WORK" "$NEW" on
    NEW_CONFIG=$FEATURES_CONFIG
    NEW_PATH=$FEATURES_PATH
fi
# With PAD_AB=1 the "new" runs use the plain config (a copy, so the runs can be told apart) and a subscribe
# path as long as FEATURES_AB's, without a token: what a longer request costs, apart from what auth costs.
if [[ ${PAD_AB:-0} == 1 ]]; then
    source Benchmarks/features.sh
    features_setup "$WORK" "$NEW" on
    NEW_CONFIG=$WORK/ssegate-bench-pad.yaml
    cp Benchmarks/ssegate-bench.yaml "$NEW_CONFIG"
    NEW_PATH="/events/{channel}?pad=$(printf 'x%.0s' $(seq $((${#FEATURES_PATH} - 22))))"
fi

# The load: HTTP/2 5k × 50/s by default, run.sh's HTTP/1.1 fan-out, or its large events.
MODE=fanout
case ${SCENARIO:-h2} in
h2) SHAPE=(--connections 50 --streams 100 --rate 50 --duration 10) ;;
h2-500) SHAPE=(--connections 50 --streams 100 --rate 500 --duration 4 --drain 20) ;;
channels) SHAPE=(--connections 100 --streams 100 --channels 1000 --rate 1000 --duration 5) ;;
large) MODE=large; SHAPE=(--connections 1 --streams 50 --size 200000 --rate 5 --duration 8 --drain 10) ;;
h1) SHAPE=(--protocol-name http1 --connections 1000 --rate 50 --duration 5
        --hosts 127.0.0.1,127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6,127.0.0.7,127.0.0.8) ;;
*) echo "SCENARIO must be h2, h2-500, channels, h1 or large" >&2; exit 2 ;;
esac

# run BINARY CONFIG: sets RESULT to "<µs per delivery> <p99 ms> <delivered> <lost>" for one fan-out run. Runs
# in this shell (not a subshell) so the EXIT trap always knows the server's PID.
RESULT=""
run() {
    "$1" run --config "$2" >>"$WORK/ab.log" 2>&1 &
    PID=$!
    for _ in $(seq 50); do curl -sf -o /dev/null http://127.0.0.1:8080/healthz && break; sleep 0.2; done
    local path=$OLD_PATH
    [[ $2 == "$NEW_CONFIG" ]] && path=$NEW_PATH
    "$LOAD" "$MODE" --label ab --server-pid "$PID" --port 8443 --path "$path" \
        --publish-url 'http://127.0.0.1:8080/publish/{channel}' "${SHAPE[@]}" \
        >"$WORK/ab.run.txt" 2>&1 || true
    if [[ (${METRICS_AB:-0} == 1 || ${FEATURES_AB:-0} == 1) && $2 == "$NEW_CONFIG" ]]; then
        echo "metrics scrape: $(curl -sf http://127.0.0.1:8080/metrics | grep '^ssegate_events_delivered_total' || echo 'none')"
    fi
    stop
    RESULT=$(grep '^JSON ' "$WORK/ab.run.txt" | sed 's/^JSON //' | python3 -c '
import json, sys
r = json.loads(sys.stdin.readline())
print("%.3f %.1f %d %d" % (r["server_cpu_us_per_delivery"], r["latency_p99_ms"], r["delivered"], r["lost"]))')
    sleep 1
}

old_sum=0; new_sum=0; ratio_sum=0
for pair in $(seq "$PAIRS"); do
    run "$OLD" "$OLD_CONFIG"; read -r old_us old_p99 old_delivered old_lost <<<"$RESULT"
    run "$NEW" "$NEW_CONFIG"; read -r new_us new_p99 new_delivered new_lost <<<"$RESULT"
    echo "pair $pair: old $old_us µs (p99 $old_p99 ms, $old_delivered delivered, $old_lost lost) | new $new_us µs (p99 $new_p99 ms, $new_delivered delivered, $new_lost lost)"
    old_sum=$(python3 -c "print($old_sum + $old_us)")
    new_sum=$(python3 -c "print($new_sum + $new_us)")
    ratio_sum=$(python3 -c "print($ratio_sum + $new_us / $old_us)")
done
python3 -c "print(f'mean: old {$old_sum/$PAIRS:.3f} µs, new {$new_sum/$PAIRS:.3f} µs per delivery; new/old {$ratio_sum/$PAIRS:.3f}')"
