# Sourced by the benchmark scripts (run.sh, profile.sh, heap-attribution.sh, ab.sh): the bench config and
# subscribe path of a run, with or without what a production edge turns on.
#
#   features_setup DIR SSEGATE [on]
#
# With FEATURES=1 (or a third argument `on`) FEATURES_CONFIG is the bench config with `auth: jwt` on the
# subscribe route, a `/metrics` route and the access log (Benchmarks/features-config.py, written into DIR),
# and FEATURES_PATH presents an HS256 token made by SSEGATE in `?access_token=`. Otherwise they are the plain
# bench config and `/events/{channel}`.
features_setup() {
    FEATURES_CONFIG=Benchmarks/ssegate-bench.yaml
    FEATURES_PATH='/events/{channel}'
    [[ ${FEATURES:-0} == 1 || ${3:-} == on ]] || return 0
    FEATURES_CONFIG=$1/ssegate-bench-features.yaml
    python3 Benchmarks/features-config.py Benchmarks/ssegate-bench.yaml "$FEATURES_CONFIG"
    export SSEGATE_JWT_SECRET=bench-features-secret-of-at-least-32-bytes
    FEATURES_PATH="/events/{channel}?access_token=$("$2" token --config "$FEATURES_CONFIG" --sub bench --subscribe '*' --ttl 2h)"
}
