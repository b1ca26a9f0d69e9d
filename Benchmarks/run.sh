#!/usr/bin/env bash
# Runs the same scenarios against ssegate and nginx + nchan in one go, on loopback, and writes
# Benchmarks/results/<UTC timestamp>/*.json, Benchmarks/plots/*.png and the table in BENCHMARKS.md.
#
#   Benchmarks/run.sh quick     # a few minutes
#   Benchmarks/run.sh full      # longer (1M idle streams on ssegate, 50k-stream fan-out), still bounded
#   Benchmarks/run.sh capacity  # 2M idle streams on ssegate, 1M on both servers
#   Benchmarks/run.sh h1        # the HTTP/1.1 fan-out over TLS only (under a minute)
#   Benchmarks/run.sh churn     # new TLS connections only, full and resumed (handshake CPU against nginx)
#   Benchmarks/run.sh large     # 200 KB events only
#   Benchmarks/run.sh memory    # the idle-memory scenarios of quick
#
# `SSEGATE=path/to/ssegate` measures another binary (an older build) instead of .build/release/ssegate.
# `ONLY=idle_mux_2m Benchmarks/run.sh capacity` runs only the scenarios of the mode whose name matches.
# `FEATURES=1` turns on JWT on subscribe, metrics and the access log in ssegate (see below).
#
# Ends with one verdict line per target of Benchmarks/targets.py (met, the figure that misses it, or not run).
#
# Starts its own ssegate (.build/release, Benchmarks/ssegate-bench.yaml) and its own nginx
# (Benchmarks/nchan/nginx.conf.template, prefix Benchmarks/.work/nchan), stops both by PID on exit.
set -euo pipefail
MODE=${1:-quick}
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$ROOT/Benchmarks/.work
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$ROOT/Benchmarks/results/$STAMP
mkdir -p "$WORK/certs" "$WORK/nchan" "$OUT"
# The comparison server: Debian's nginx with the nchan module (never the system service; see below).
if ! command -v nginx >/dev/null || [[ ! -f /usr/lib/nginx/modules/ngx_nchan_module.so ]]; then
    echo "run.sh compares against nginx + nchan; install them first:" >&2
    echo "  sudo apt-get install -y nginx-light libnginx-mod-nchan && sudo systemctl disable --now nginx" >&2
    exit 2
fi
# As many descriptors as allowed (1048576 where root may raise the hard limit).
ulimit -n 1048576 2>/dev/null || ulimit -n "$(ulimit -Hn)"

# Many connections: use several loopback destinations (each has its own ~28k ephemeral ports).
HOSTS=127.0.0.1,127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6,127.0.0.7,127.0.0.8

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    swift build -c release --product ssegate
    swift build -c release --product ssegate-load
fi
LOAD=${LOAD:-$ROOT/.build/release/ssegate-load}
SSEGATE=${SSEGATE:-$ROOT/.build/release/ssegate}

# One development certificate for both servers.
if [[ ! -f $WORK/certs/localhost.pem ]]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj /CN=localhost \
        -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
        -keyout "$WORK/certs/localhost-key.pem" -out "$WORK/certs/localhost.pem" 2>/dev/null
fi
sed -e "s#@PREFIX@#$WORK/nchan#g" -e "s#@CERTS@#$WORK/certs#g" \
    "$ROOT/Benchmarks/nchan/nginx.conf.template" > "$WORK/nchan/nginx.conf"

# FEATURES=1 runs ssegate with JWT on subscribe, metrics and the access log on (Benchmarks/features-config.py);
# its subscribers present a token. Compare with a run without it to see what the features cost.
source Benchmarks/features.sh
features_setup "$WORK" "$SSEGATE"
SSEGATE_CONFIG=$FEATURES_CONFIG
SUBSCRIBE_PATH=$FEATURES_PATH

SSEGATE_PID=""
NGINX_PID=""
start_servers() {
    "$SSEGATE" run --config "$SSEGATE_CONFIG" >>"$WORK/ssegate.log" 2>&1 &
    SSEGATE_PID=$!
    nginx -c "$WORK/nchan/nginx.conf" -p "$WORK/nchan/" 2>>"$WORK/nginx.log"
    for _ in $(seq 50); do
        [[ -s $WORK/nchan/nginx.pid ]] && curl -sf -o /dev/null http://127.0.0.1:8080/healthz && break
        sleep 0.2
    done
    NGINX_PID=$(cat "$WORK/nchan/nginx.pid")
    sleep 0.5
}
stop_servers() {
    [[ -n $SSEGATE_PID ]] && kill "$SSEGATE_PID" 2>/dev/null && wait "$SSEGATE_PID" 2>/dev/null || true
    [[ -n $NGINX_PID ]] && kill -QUIT "$NGINX_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$NGINX_PID" 2>/dev/null || break; sleep 0.2; done
    SSEGATE_PID=""
    NGINX_PID=""
}
trap stop_servers EXIT

# Server-specific arguments. nginx: master + workers (summed).
ssegate_args() { echo "--label ssegate --server-pid $SSEGATE_PID --port 8443 --path $SUBSCRIBE_PATH"; }
nchan_args() {
    local pids="--server-pid $NGINX_PID"
    for worker in $(pgrep -P "$NGINX_PID"); do pids="$pids --server-pid $worker"; done
    echo "--label nchan $pids --port 9443 --path /sub/{channel}"
}
ssegate_pub() { echo "--publish-url http://127.0.0.1:8080/publish/{channel}"; }
nchan_pub() { echo "--publish-url http://127.0.0.1:8081/pub/{channel}"; }

# scenario NAME [--fresh] [--only ssegate|nchan] MODE ARGS...: runs against both servers, one JSON each.
scenario() {
    local name=$1; shift
    local fresh=0 only=""
    while [[ $1 == --* ]]; do
        case $1 in
            --fresh) fresh=1; shift ;;
            --only) only=$2; shift 2 ;;
        esac
    done
    local mode=$1; shift
    # ONLY=pattern runs just the scenarios of this mode whose name matches it (a shell pattern).
    # shellcheck disable=SC2053
    [[ -n ${ONLY:-} && $name != $ONLY ]] && return 0
    for server in ssegate nchan; do
        [[ -n $only && $only != "$server" ]] && continue
        if [[ $fresh == 1 ]]; then stop_servers; start_servers; fi
        local extra pub=""
        extra=$(${server}_args)
        [[ $mode == fanout || $mode == large ]] && pub=$(${server}_pub)
        # shellcheck disable=SC2086
        local command="ssegate-load $mode $extra $pub $*"
        echo "== $name / $server: $command" | tee -a "$OUT/commands.txt"
        # shellcheck disable=SC2086
        if timeout 900 "$LOAD" $mode $extra $pub "$@" >"$OUT/$name.$server.txt" 2>&1; then :; else
            echo "   (exit $?)" | tee -a "$OUT/commands.txt"
        fi
        grep -v '^JSON ' "$OUT/$name.$server.txt" | sed 's/^/   /'
        grep '^JSON ' "$OUT/$name.$server.txt" | sed 's/^JSON //' | \
            python3 -c "import sys,json; [print(json.dumps(dict(json.loads(l), scenario='$name', command=sys.argv[1]))) for l in sys.stdin]" \
            "$command" >"$OUT/$name.$server.json" || true
        sleep 1
    done
}

start_servers
case $MODE in
quick)
    scenario idle_mux_10k --fresh idle --connections 100 --streams 100 --hosts $HOSTS --hold 3
    scenario idle_single_2k --fresh idle --connections 2000 --streams 1 --hosts $HOSTS --hold 3
    scenario idle_single_h1_2k --fresh idle --protocol-name http1 --connections 2000 --hosts $HOSTS --hold 3
    scenario fanout_5k_10 fanout --connections 50 --streams 100 --rate 10 --duration 10
    scenario fanout_5k_50 fanout --connections 50 --streams 100 --rate 50 --duration 10
    scenario fanout_5k_500 fanout --connections 50 --streams 100 --rate 500 --duration 4 --drain 20
    scenario fanout_h1_1k_50 fanout --protocol-name http1 --connections 1000 --rate 50 --duration 5 --hosts $HOSTS
    scenario channels_10k_1k fanout --connections 100 --streams 100 --channels 1000 --rate 1000 --duration 5
    scenario churn churn --duration 5 --workers 32 --hosts $HOSTS
    scenario churn_resumed churn --resume --duration 5 --workers 32 --hosts $HOSTS
    scenario large large --connections 1 --streams 50 --size 200000 --rate 5 --duration 4 --drain 10
    ;;
full)
    # RLIMIT_NOFILE is 20,000 here: 18,000 single-stream connections is the most both servers can hold.
    scenario idle_mux_1m --fresh --only ssegate idle --connections 10000 --streams 100 --hosts $HOSTS --hold 5 --open-timeout 600
    scenario idle_mux_100k --fresh idle --connections 1000 --streams 100 --hosts $HOSTS --hold 5
    scenario idle_single_18k --fresh idle --connections 18000 --streams 1 --hosts $HOSTS --hold 5 --open-timeout 300
    scenario idle_single_h1_18k --fresh idle --protocol-name http1 --connections 18000 --hosts $HOSTS --hold 5 --open-timeout 300
    scenario fanout_50k_10 --fresh fanout --connections 500 --streams 100 --rate 10 --duration 5 --hosts $HOSTS --drain 40
    scenario fanout_50k_50 fanout --connections 500 --streams 100 --rate 50 --duration 3 --hosts $HOSTS --drain 90
    scenario channels_100k_10k --fresh fanout --connections 1000 --streams 100 --channels 10000 --rate 2000 --duration 10 --hosts $HOSTS --drain 15
    scenario churn churn --duration 10 --workers 64 --hosts $HOSTS
    scenario churn_resumed churn --resume --duration 10 --workers 64 --hosts $HOSTS
    scenario large large --connections 1 --streams 50 --size 200000 --rate 5 --duration 6 --drain 15
    ;;
fanout)
    # The one-channel fan-out scenarios only, for before/after comparisons of the delivery path.
    scenario fanout_5k_10 fanout --connections 50 --streams 100 --rate 10 --duration 10
    scenario fanout_5k_50 fanout --connections 50 --streams 100 --rate 50 --duration 10
    scenario fanout_5k_500 fanout --connections 50 --streams 100 --rate 500 --duration 4 --drain 20
    ;;
h1)
    # The HTTP/1.1-over-TLS fan-out only (`fanout_h1_1k_50` of quick), for before/after comparisons of its
    # write path with nchan measured in the same run.
    scenario fanout_h1_1k_50 fanout --protocol-name http1 --connections 1000 --rate 50 --duration 5 --hosts $HOSTS
    ;;
churn)
    # New TLS connections only (`churn` and `churn_resumed` of quick), for before/after comparisons of the
    # handshake path with nginx measured in the same run: full handshakes, then TLS 1.3 resumptions (each
    # worker offers the ticket of its previous connection).
    scenario churn churn --duration 5 --workers 32 --hosts $HOSTS
    scenario churn_resumed churn --resume --duration 5 --workers 32 --hosts $HOSTS
    ;;
large)
    # 200 KB events only (`large` of quick), for before/after comparisons of the large-event write path.
    # LARGE_RATE=10 publishes 10 events/s instead of 5 (the rate of the README's earlier figure).
    scenario large large --connections 1 --streams 50 --size 200000 --rate "${LARGE_RATE:-5}" --duration 4 --drain 10
    ;;
memory)
    # The idle-memory scenarios of quick, each on freshly started servers.
    scenario idle_mux_10k --fresh idle --connections 100 --streams 100 --hosts $HOSTS --hold 3
    scenario idle_single_2k --fresh idle --connections 2000 --streams 1 --hosts $HOSTS --hold 3
    scenario idle_single_h1_2k --fresh idle --protocol-name http1 --connections 2000 --hosts $HOSTS --hold 3
    ;;
capacity)
    # 2M idle streams, the capacity target: ssegate only (nchan would need ~21 GiB). 10,000 connections ×
    # 200 streams stays under RLIMIT_NOFILE (20,000) and under max_concurrent_streams (1,000).
    scenario idle_mux_2m --fresh --only ssegate idle --connections 10000 --streams 200 --hosts $HOSTS --hold 5 --open-timeout 800
    # 1M idle streams on both servers (nchan needs ~11 GiB for it; check free memory first).
    scenario idle_mux_1m --fresh idle --connections 10000 --streams 100 --hosts $HOSTS --hold 5 --open-timeout 600
    ;;
*)
    echo "usage: $0 quick|full|fanout|h1|churn|large|memory|capacity" >&2
    exit 2
    ;;
esac
stop_servers

/usr/bin/python3 "$ROOT/Benchmarks/report.py" "$OUT" "$ROOT/BENCHMARKS.md" "$ROOT/Benchmarks/plots" "Benchmarks/run.sh $MODE"
echo "results: $OUT"
/usr/bin/python3 "$ROOT/Benchmarks/targets.py" "$OUT"
