# Sourced by the scripts that run one ssegate at a time against the load client (ab.sh, idle-ab.sh): moves to
# the repository, raises the descriptor limit, builds the load client unless SKIP_BUILD=1 (LOAD= names
# another), makes the development certificate once, and defines `stop`, which stops the server whose PID is
# in PID (also when the script exits).
cd "$(dirname "${BASH_SOURCE[0]}")/.."
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
