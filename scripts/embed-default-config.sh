#!/usr/bin/env bash
# Regenerates Sources/GatewayConfig/DefaultConfiguration.swift from conf/ssegate.yaml, so the embedded
# default and the file stay byte-identical (DefaultConfigurationTests checks it).
set -euo pipefail
cd "$(dirname "$0")/.."
target=Sources/GatewayConfig/DefaultConfiguration.swift
header=$(sed -n '1,/public static let defaultYAML: String = #"""/p' "$target")
{
    printf '%s\n' "$header"
    cat conf/ssegate.yaml
    printf '\n"""#\n}\n'
} > "$target.tmp"
mv "$target.tmp" "$target"
