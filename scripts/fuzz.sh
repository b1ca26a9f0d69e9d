#!/usr/bin/env bash
# libFuzzer (issue 11, "must show" 6): builds the harnesses in Fuzz/ with `-sanitize=fuzzer,address` into
# .build-fuzz (apart from the main build) and runs each for a bounded time.
#
#   scripts/fuzz.sh [--seconds N] [--no-build] [target…]      (default: 60 s each, every target)
#
# Targets: FuzzEventStreamParser FuzzLastEventID FuzzRouteMatcher FuzzConfiguration FuzzHTTP2ServerSession.
# Each run starts from Fuzz/Seeds/<target> plus the corpus it grew before (.build-fuzz/corpus/<target>).
# A crash leaves its input in .build-fuzz/artifacts/<target>/; make it a regression test under Tests/
# (Tests/FuzzRegressions/<target>/ holds the inputs) and fix it. Exit status 1 when any target failed.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60
build=1
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds="$2"; shift ;;
        --no-build) build=0 ;;
        *) targets+=("$1") ;;
    esac
    shift
done
[ ${#targets[@]} -gt 0 ] || targets=(FuzzEventStreamParser FuzzLastEventID FuzzRouteMatcher FuzzConfiguration FuzzHTTP2ServerSession)

scratch=.build-fuzz
if [ "$build" = 1 ]; then
    swift build --package-path Fuzz --scratch-path "$scratch" -c release \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld
fi
bin=$(swift build --package-path Fuzz --scratch-path "$scratch" -c release --show-bin-path \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld)

# Swift's backtracer, entered on a crash, reads memory that AddressSanitizer then reports as a second,
# unrelated error; libFuzzer prints its own stack trace anyway.
export SWIFT_BACKTRACE=enable=no

failed=()
for target in "${targets[@]}"; do
    corpus="$scratch/corpus/$target"
    artifacts="$scratch/artifacts/$target/"
    mkdir -p "$corpus" "$artifacts"
    seeds=()
    [ -d "Fuzz/Seeds/$target" ] && seeds=("Fuzz/Seeds/$target")
    echo "== $target: ${seconds}s"
    # -rss_limit_mb: the session harness keeps up to 16 streams × 70 KB queued; 2 GiB catches real leaks.
    status=0
    "$bin/$target" -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=2048 -timeout=10 \
        -artifact_prefix="$artifacts" "$corpus" "${seeds[@]}" > "$scratch/$target.log" 2>&1 || status=$?
    if [ "$status" = 0 ]; then
        echo "$(grep -E '^stat::number_of_executed_units' "$scratch/$target.log" | awk '{print $2}') runs," \
            "peak RSS $(grep -E '^stat::peak_rss_mb' "$scratch/$target.log" | awk '{print $2}') MB," \
            "corpus $(ls "$corpus" | wc -l) inputs, no crash"
    else
        failed+=("$target")
        echo "FAILED: $target, exit status $status (log: $scratch/$target.log; inputs: $(ls "$artifacts" | tr '\n' ' '))"
        grep -E "ERROR|Fatal error|SUMMARY" "$scratch/$target.log" | head -5 || true
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: failures in ${failed[*]}"
    exit 1
fi
echo "fuzz: ${#targets[@]} targets, ${seconds}s each, no crash"
