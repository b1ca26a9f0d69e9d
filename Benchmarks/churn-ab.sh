#!/usr/bin/env bash
# Interleaved TLS-handshake churn on two ssegate binaries and nginx, for before/after work on the handshake
# path: the machine is shared and noisy, so each round measures all three back to back (full handshakes,
# then TLS 1.3 resumptions) and the summary is the median of the rounds' figures and ratios.
#
#   Benchmarks/churn-ab.sh OLD_SSEGATE NEW_SSEGATE [ROUNDS] [SECONDS]     # default 5 rounds of 3 s each
#
# OLD runs on the bench config (8443/8080), NEW on a copy moved to 8444/8082, nginx on its run.sh config
# (9443); all three stay up for the whole run and are stopped by PID. Each measurement is
# `ssegate-load churn --workers 32` (with `--resume` for the resumed rows) and reports the server's
# CPU-µs per handshake + request.
set -euo pipefail
OLD=$1
NEW=$2
ROUNDS=${3:-5}
SECS=${4:-3}
cd "$(dirname "$0")/.."
WORK=$PWD/Benchmarks/.work
LOAD=$PWD/.build/release/ssegate-load
mkdir -p "$WORK/nchan"
ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)"
if [[ ! -f $WORK/certs/localhost.pem ]]; then
    echo "no benchmark certificate yet: run Benchmarks/run.sh churn once first" >&2
    exit 2
fi
sed -e "s#@PREFIX@#$WORK/nchan#g" -e "s#@CERTS@#$WORK/certs#g" Benchmarks/nchan/nginx.conf.template >"$WORK/nchan/nginx.conf"
sed -e 's/port: 8443/port: 8444/' -e 's/port: 8080/port: 8082/' Benchmarks/ssegate-bench.yaml >"$WORK/ssegate-bench-b.yaml"

OLD_PID=""; NEW_PID=""; NGINX_PID=""
stop() {
    for pid in $OLD_PID $NEW_PID; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
    [[ -n $NGINX_PID ]] && kill -QUIT "$NGINX_PID" 2>/dev/null || true
    for _ in $(seq 50); do [[ -n $NGINX_PID ]] && kill -0 "$NGINX_PID" 2>/dev/null || break; sleep 0.2; done
}
trap stop EXIT
"$OLD" run --config Benchmarks/ssegate-bench.yaml >>"$WORK/churn-ab-old.log" 2>&1 &
OLD_PID=$!
"$NEW" run --config "$WORK/ssegate-bench-b.yaml" >>"$WORK/churn-ab-new.log" 2>&1 &
NEW_PID=$!
nginx -c "$WORK/nchan/nginx.conf" -p "$WORK/nchan/" 2>>"$WORK/nginx.log"
for _ in $(seq 50); do
    [[ -s $WORK/nchan/nginx.pid ]] && curl -sf -o /dev/null http://127.0.0.1:8080/healthz \
        && curl -sf -o /dev/null http://127.0.0.1:8082/healthz && break
    sleep 0.2
done
NGINX_PID=$(cat "$WORK/nchan/nginx.pid")
NGINX_ARGS="--server-pid $NGINX_PID"
for worker in $(pgrep -P "$NGINX_PID"); do NGINX_ARGS="$NGINX_ARGS --server-pid $worker"; done
sleep 1
HOSTS=127.0.0.1,127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6,127.0.0.7,127.0.0.8
measure() {
    "$LOAD" churn --label churn-ab --workers 32 --duration "$SECS" --hosts $HOSTS "$@" \
        | grep -o '"server_cpu_us_per_handshake":[0-9.]*' | cut -d: -f2
}
ROWS=$(mktemp)
echo "round mode old new nginx (server CPU-µs per handshake)"
for round in $(seq "$ROUNDS"); do
    for mode in full resumed; do
        resume=""
        [[ $mode == resumed ]] && resume=--resume
        # shellcheck disable=SC2086
        old=$(measure --server-pid $OLD_PID --port 8443 $resume); sleep 0.5
        # shellcheck disable=SC2086
        new=$(measure --server-pid $NEW_PID --port 8444 $resume); sleep 0.5
        # shellcheck disable=SC2086
        theirs=$(measure $NGINX_ARGS --port 9443 $resume); sleep 0.5
        echo "$round $mode $old $new $theirs" | tee -a "$ROWS"
    done
done
python3 - "$ROWS" <<'PY'
import statistics as st, sys
rows = [line.split() for line in open(sys.argv[1])]
for mode in ("full", "resumed"):
    r = [tuple(map(float, row[2:5])) for row in rows if row[1] == mode]
    median = lambda values: st.median(values)
    print(f"{mode}: median µs old {median([a for a, _, _ in r]):.0f} new {median([b for _, b, _ in r]):.0f} "
          f"nginx {median([c for _, _, c in r]):.0f}; median ratios old/nginx {median([a / c for a, _, c in r]):.2f} "
          f"new/nginx {median([b / c for _, b, c in r]):.2f} new/old {median([b / a for a, b, _ in r]):.3f} (n={len(r)})")
PY
rm -f "$ROWS"
