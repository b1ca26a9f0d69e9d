#!/usr/bin/env bash
# Rewrites README.md's configuration reference (between the config-reference markers) with the output of
# `ssegate config-reference`, the schema table in Sources/GatewayConfig/Reference. ConfigurationReferenceTests
# fails while the README differs from it.
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${SSEGATE:-.build/debug/ssegate}
[ -x "$binary" ] || swift build --product ssegate >/dev/null
reference=$(mktemp)
trap 'rm -f "$reference" README.md.tmp' EXIT
"$binary" config-reference > "$reference"
grep -q '^<!-- config-reference:begin -->$' README.md || { echo "README.md: no '<!-- config-reference:begin -->' line" >&2; exit 1; }
grep -q '^<!-- config-reference:end -->$' README.md || { echo "README.md: no '<!-- config-reference:end -->' line" >&2; exit 1; }
awk -v file="$reference" '
    /^<!-- config-reference:begin -->$/ { print; while ((getline line < file) > 0) print line; skipping = 1; next }
    /^<!-- config-reference:end -->$/ { skipping = 0 }
    !skipping { print }
' README.md > README.md.tmp
mv README.md.tmp README.md
echo "README.md: configuration reference updated"
