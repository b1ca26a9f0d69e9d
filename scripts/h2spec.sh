#!/usr/bin/env bash
# HTTP/2 conformance (issue 11, "must show" 5): runs h2spec 2.0.0 against the real `ssegate` binary, over
# h2c (plaintext, prior knowledge) and over TLS (ALPN h2), on /healthz, a route whose response ends (an
# endless SSE path would make the tests that wait for the end of a body time out).
#
#   scripts/h2spec.sh [--no-build] [--min-pass N] [h2spec test ids…]
#
# SSEGATE=/path/to/ssegate runs another binary (no build), e.g. an older one for a before/after comparison.
#
# Prints "h2spec <transport>: P passed, F failed, S skipped of T" per transport and the failed test ids.
# Exit status: 0 when both transports pass at least --min-pass tests (default 144 of 146), 1 otherwise.
# Without the h2spec binary: a visible skip (exit 0), except under CI=true, where it is a failure.
# The binary is ../shared/tools/h2spec/h2spec (see its README); override with H2SPEC=/path/to/h2spec.
set -euo pipefail
cd "$(dirname "$0")/.."

build=1
min_pass=144
specs=()
while [ $# -gt 0 ]; do
    case "$1" in
        --no-build) build=0 ;;
        --min-pass) min_pass="$2"; shift ;;
        *) specs+=("$1") ;;
    esac
    shift
done

h2spec="${H2SPEC:-$(cd .. && pwd)/shared/tools/h2spec/h2spec}"
if [ ! -x "$h2spec" ]; then
    if [ "${CI:-}" = "true" ]; then
        echo "h2spec: FAILED: no h2spec binary at $h2spec (required under CI=true)" >&2
        exit 1
    fi
    echo "h2spec: SKIPPED: no h2spec binary at $h2spec (set H2SPEC=…; under CI=true this fails)" >&2
    exit 0
fi

binary="${SSEGATE:-.build/debug/ssegate}"
if [ "$build" = 1 ] && [ -z "${SSEGATE:-}" ]; then
    swift build --product ssegate
fi
[ -x "$binary" ] || { echo "h2spec: no $binary; build it or drop --no-build" >&2; exit 1; }

work=$(mktemp -d)
server_pid=
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# Two free loopback ports: bind to port 0, read the port back, release it.
read -r h2c_port tls_port < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])
for s in socks: s.close()')

cat > "$work/h2spec.yaml" <<EOF
listeners:
  - name: h2c
    host: 127.0.0.1
    port: $h2c_port
    tls: false
  - name: tls
    host: 127.0.0.1
    port: $tls_port
    tls: true
    # h2spec opens a connection per case from one address, faster than the default handshake rate.
    handshakes_per_second_per_ip: 0
tls:
  certificates:
    - certificate: $work/certs/localhost.pem
      key: $work/certs/localhost-key.pem
  generate_development_certificate: true
  development_directory: $work/certs
logging:
  level: warning
  access_log: false
routes:
  - path: /healthz
    health: liveness
EOF

"$binary" run --config "$work/h2spec.yaml" > "$work/server.log" 2>&1 &
server_pid=$!

# Wait (at most 20 s) until both listeners accept connections.
for _ in $(seq 1 200); do
    if python3 - "$h2c_port" "$tls_port" <<'PY' 2>/dev/null; then break; fi
import socket, sys
for port in sys.argv[1:]:
    socket.create_connection(("127.0.0.1", int(port)), timeout=0.2).close()
PY
    kill -0 "$server_pid" 2>/dev/null || { echo "h2spec: ssegate exited:" >&2; cat "$work/server.log" >&2; exit 1; }
    sleep 0.1
done

status=0
run() {
    local transport=$1; shift
    local report="$work/$transport.xml"
    # h2spec exits non-zero when any test fails; the counts below decide.
    "$h2spec" "$@" -h 127.0.0.1 --path /healthz -o 5 -j "$report" "${specs[@]}" > "$work/$transport.out" 2>&1 || true
    python3 - "$transport" "$report" "$min_pass" <<'PY' || status=1
import sys, xml.etree.ElementTree as ET
transport, report, min_pass = sys.argv[1], sys.argv[2], int(sys.argv[3])
try:
    root = ET.parse(report).getroot()
except (OSError, ET.ParseError) as error:
    print(f"h2spec {transport}: no report ({error})")
    sys.exit(1)
cases = root.iter("testcase")
total = passed = skipped = 0
failed = []
for case in cases:
    total += 1
    if case.find("failure") is not None or case.find("error") is not None:
        failed.append(f'{case.get("package")} {case.get("classname")}: {case.get("name")}'.strip())
    elif case.find("skipped") is not None:
        skipped += 1
    else:
        passed += 1
print(f"h2spec {transport}: {passed} passed, {len(failed)} failed, {skipped} skipped of {total}")
for name in failed:
    print(f"  failed: {name}")
sys.exit(0 if passed >= min(min_pass, total) else 1)
PY
}
run h2c -p "$h2c_port"
run tls -p "$tls_port" -t -k
exit $status
