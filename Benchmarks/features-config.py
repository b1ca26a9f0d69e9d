#!/usr/bin/env python3
"""Writes the bench config with every production feature on, for measuring what the features cost:
`auth: jwt` on the subscribe route (HS256, secret from $SSEGATE_JWT_SECRET), a `/metrics` route (which turns
on the delivery-path metrics) and the access log (written at level info, which the bench config's
`warning` would hide).

usage: features-config.py BENCH_YAML OUT_YAML

ab.sh (FEATURES_AB=1) and run.sh (FEATURES=1) use it; each mints the subscribers' token with `ssegate token`.
"""
import sys

REPLACEMENTS = [
    ("access_log: false", "access_log: true"),
    ("level: warning", "level: info"),
    ('  - path: /events/{channel}\n    channel: "{channel}"\n',
     '  - path: /events/{channel}\n    channel: "{channel}"\n    auth: jwt\n'),
]


def main():
    source, target = sys.argv[1:3]
    text = open(source).read()
    for old, new in REPLACEMENTS:
        if old not in text:
            sys.exit(f"features-config.py: {source} no longer contains {old!r}")
        text = text.replace(old, new)
    if not text.endswith("\n"):
        text += "\n"
    text += "  - path: /metrics\n    metrics: prometheus\n"
    text += "auth:\n  jwt:\n    keys:\n      - {alg: HS256, secret_env: SSEGATE_JWT_SECRET}\n"
    with open(target, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
