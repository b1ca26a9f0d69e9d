#!/usr/bin/env python3
"""The performance targets as data, checked against the JSON files of a Benchmarks/run.sh run.

usage: targets.py RESULTS_DIR [--check]            one verdict line per target (--check: exit 1 if one is missed)
       targets.py --markdown RESULTS_ROOT BENCHMARKS_MD
                                                   rewrites the targets table in BENCHMARKS.md from the
                                                   latest run of each mode (RESULTS_ROOT/latest-<mode>)

run.sh prints the verdict lines at the end of every mode; report.py rewrites the table after every run.
"""
import datetime
import fnmatch
import glob
import json
import os
import subprocess
import sys
import textwrap
from collections import namedtuple

# scenario: a scenario name from run.sh, or a pattern (fnmatch) when a target holds for several sizes; then
#   every matching scenario must meet it and the worst one is shown.
# metric: a field of the load client's JSON (or of DERIVED below), always ssegate's.
# comparison: "<=", "<" or ">=" compare ssegate's figure with the threshold; "x<=" and "x>=" compare
#   ssegate ÷ nchan from the same scenario of the same run.
Target = namedtuple("Target", "id scenario metric comparison threshold description")

TARGETS = [
    # Efficiency is deliveries per server CPU-second, so "1.2× fewer CPU-µs per delivery" reads ">= 1.2x".
    Target("h1-fanout-cpu", "fanout_h1_1k_50", "deliveries_per_server_cpu_second", "x>=", 1.2,
           "HTTP/1.1 fan-out over TLS, 1,000 streams × 50/s: ≥ 1.2× nchan's deliveries per server CPU-second"),
    Target("h1-fanout-p99", "fanout_h1_1k_50", "latency_p99_ms", "x<=", 1.0,
           "HTTP/1.1 fan-out over TLS, 1,000 streams × 50/s: p99 no worse than nchan's"),
    Target("tls-handshake-cpu", "churn", "server_cpu_us_per_handshake", "x<=", 0.8,
           "TLS handshake + one HTTP/2 request: ≤ 0.8× nginx's server CPU per new connection"),
    Target("tls-resumption-cpu", "churn_resumed", "server_cpu_us_per_handshake", "x<=", 0.8,
           "TLS 1.3 resumption (ticket, PSK) + one HTTP/2 request: ≤ 0.8× nginx's server CPU per new connection"),
    # Without it the resumption ratio could be a full-handshake figure (a server that refuses every ticket).
    Target("tls-resumption-share", "churn_resumed", "resumed_share", ">=", 0.95,
           "TLS 1.3 resumption: the server resumes ≥ 95% of the handshakes that offer a ticket"),
    Target("h2-fanout-cpu", "fanout_5k_50", "deliveries_per_server_cpu_second", "x>=", 10,
           "HTTP/2 fan-out, 5,000 streams × 50/s: ≥ 10× nchan's deliveries per server CPU-second"),
    Target("h2-fanout-p99", "fanout_5k_50", "latency_p99_ms", "<=", 10,
           "HTTP/2 fan-out, 5,000 streams × 50/s: p99 ≤ 10 ms"),
    Target("h2-fanout-lost", "fanout_5k_50", "lost", "<=", 0,
           "HTTP/2 fan-out, 5,000 streams × 50/s: nothing lost"),
    Target("h2-fanout-50k-p99", "fanout_50k_50", "latency_p99_ms", "<", 50,
           "HTTP/2 fan-out, 50,000 streams × 50/s: p99 < 50 ms (full mode)"),
    Target("mem-mux-stream", "idle_mux_*", "server_rss_per_stream_kib", "<=", 1.0,
           "≤ 1.0 KiB per idle multiplexed HTTP/2 stream"),
    Target("mem-h2-connection", "idle_single_[0-9]*", "server_rss_per_stream_kib", "<=", 20,
           "≤ 20 KiB per single-stream TLS connection over HTTP/2"),
    Target("mem-h1-connection", "idle_single_h1_*", "server_rss_per_stream_kib", "<=", 20,
           "≤ 20 KiB per single-stream TLS connection over HTTP/1.1"),
    Target("capacity-2m", "idle_mux_2m", "streams_open", ">=", 2_000_000,
           "2,000,000 concurrent streams (capacity mode)"),
    Target("large-cpu", "large", "server_cpu_us_per_mb", "x<=", 0.5,
           "200 KB events × 50 streams: ≤ 0.5× nchan's server CPU per delivered MB"),
    Target("large-intact", "large", "corrupt", "<=", 0,
           "200 KB events × 50 streams: every event intact (checksum)"),
    Target("no-loss", "*", "lost", "<=", 0,
           "No event lost in any scenario"),
]

# Figures the load client does not write itself, computed from fields it does write.
DERIVED = {
    "server_cpu_us_per_mb": lambda row: (
        row["server_cpu_seconds"] * 1e6 / (row["delivered"] * row["size"] / 1e6) if row.get("delivered") else None),
    # Every worker's first connection has no ticket to offer: the share is of the handshakes that could resume.
    "resumed_share": lambda row: (
        row["resumed"] / (row["completed"] - row["workers"]) if row["completed"] > row["workers"] else None),
}

UNITS = {
    "deliveries_per_server_cpu_second": "deliveries per CPU-second",
    "latency_p99_ms": "ms",
    "server_cpu_us_per_handshake": "µs per handshake",
    "server_cpu_us_per_mb": "µs per MB",
    "resumed_share": "of handshakes resumed",
    "server_rss_per_stream_kib": "KiB",
    "streams_open": "streams",
    "lost": "lost",
    "corrupt": "corrupt",
}

COMPARE = {
    "<=": lambda value, threshold: value <= threshold,
    "<": lambda value, threshold: value < threshold,
    ">=": lambda value, threshold: value >= threshold,
}

# The order of the markdown table's columns; modes found in latest-* files but not listed here follow.
MODES = ["quick", "full", "fanout", "h1", "churn", "large", "memory", "capacity"]

BEGIN, END = "<!-- targets:begin -->", "<!-- targets:end -->"

# status: "met", "missed", "not run", or "not comparable" (a ratio whose only nchan figures come from
# scenarios where nchan lost events).
Verdict = namedtuple("Verdict", "target status measured")


def load_run(directory):
    """{scenario: {label: row}} from the *.json files run.sh writes (one JSON object per line)."""
    runs = {}
    for path in sorted(glob.glob(os.path.join(directory, "*.json"))):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    row = json.loads(line)
                    runs.setdefault(row["scenario"], {})[row["label"]] = row
    return runs


def figure(value):
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    return f"{int(value):,}"


def metric_value(row, metric):
    if row is None:
        return None
    if metric in DERIVED:
        try:
            return DERIVED[metric](row)
        except (KeyError, TypeError, ZeroDivisionError):
            return None
    value = row.get(metric)
    return value if isinstance(value, (int, float)) else None


def measured_values(target, runs):
    """[(scenario, value)] for every scenario of the run the target applies to and that has its figures."""
    values = []
    for scenario in sorted(runs):
        if not fnmatch.fnmatchcase(scenario, target.scenario):
            continue
        ours = metric_value(runs[scenario].get("ssegate"), target.metric)
        if ours is None:
            continue  # e.g. churn and idle scenarios have no "lost"
        if target.comparison.startswith("x"):
            theirs = metric_value(runs[scenario].get("nchan"), target.metric)
            if not theirs:
                continue  # a ratio needs nchan's figure from the same run
            if nchan_lost(runs, scenario):
                # A stalled nchan burns CPU without delivering (large events: 42 of 2,000 delivered at
                # 10/s), so its CPU per delivery or per MB says nothing about its efficiency.
                continue
            ours = ours / theirs
        values.append((scenario, ours))
    return values


def nchan_lost(runs, scenario):
    """Events nchan lost in `scenario` (0 when it lost none or has no row)."""
    row = runs.get(scenario, {}).get("nchan") or {}
    lost = row.get("lost")
    return lost if isinstance(lost, (int, float)) and lost > 0 else 0


def stalled_nchan(target, runs):
    """(scenario, lost, expected) of the first scenario of a ratio target in which nchan lost events."""
    if not target.comparison.startswith("x"):
        return None
    for scenario in sorted(runs):
        if fnmatch.fnmatchcase(scenario, target.scenario) and nchan_lost(runs, scenario):
            row = runs[scenario]["nchan"]
            return scenario, row["lost"], row.get("deliveries_expected")
    return None


def evaluate(target, runs):
    """The target's verdict against one run ({scenario: {label: row}}, as load_run returns)."""
    values = measured_values(target, runs)
    if not values:
        stalled = stalled_nchan(target, runs)
        if stalled:
            scenario, lost, expected = stalled
            of = f" of {figure(expected)}" if expected else ""
            return Verdict(target, "not comparable", f"nchan lost {figure(lost)}{of} events in {scenario}")
        return Verdict(target, "not run", "")
    compare = COMPARE[target.comparison.lstrip("x")]
    missing = [(scenario, value) for scenario, value in values if not compare(value, target.threshold)]
    # Show the worst scenario (of those that miss, if any): the highest figure, or the lowest for ">=".
    higher_is_better = target.comparison.endswith(">=")
    pick = min if higher_is_better else max
    scenario, value = pick(missing or values, key=lambda item: item[1])
    if target.comparison.startswith("x"):
        text = f"{figure(value)}x nchan"
    else:
        text = f"{figure(value)} {UNITS.get(target.metric, target.metric)}"
    if len(values) > 1 and len({value for _scenario, value in values}) == 1:
        text += f" in all {len(values)} scenarios"
    elif len(values) > 1:
        text += f" in {scenario}, worst of {len(values)} scenarios"
    return Verdict(target, "missed" if missing else "met", text)


def threshold_text(target):
    if target.comparison == "<=" and target.threshold == 0:
        return f"0 {UNITS.get(target.metric, target.metric)}"  # "target 0 lost" reads better than "<= 0"
    if target.comparison.startswith("x"):
        return f"{target.comparison[1:]} {figure(target.threshold)}x"
    return f"{target.comparison} {figure(target.threshold)} {UNITS.get(target.metric, target.metric)}"


def verdict_line(verdict):
    name = verdict.target.id
    if verdict.status == "not run":
        return f"TARGET {name}: not run in this mode"
    if verdict.status == "not comparable":
        return f"TARGET {name}: {verdict.measured}, no ratio (target {threshold_text(verdict.target)}) not comparable"
    word = "met" if verdict.status == "met" else "MISSED"
    return f"TARGET {name}: {verdict.measured} (target {threshold_text(verdict.target)}) {word}"


def verdict_lines(directory, targets=TARGETS):
    runs = load_run(directory)
    return [verdict_line(evaluate(target, runs)) for target in targets]


def latest_runs(results_root):
    """[(mode, stamp)] from the latest-<mode> files report.py writes, in MODES order."""
    found = {}
    for path in glob.glob(os.path.join(results_root, "latest-*")):
        with open(path) as f:
            stamp = f.read().strip()
        if stamp and os.path.isdir(os.path.join(results_root, stamp)):
            found[os.path.basename(path)[len("latest-"):]] = stamp
    order = MODES + sorted(set(found) - set(MODES))
    return [(mode, found[mode]) for mode in order if mode in found]


def stamp_time(stamp):
    try:
        return datetime.datetime.strptime(stamp[:16], "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        return None


def latest_source_commit(repository):
    """(short hash, time) of the last commit that changed the server's code, or None outside a git checkout."""
    try:
        command = ["git", "-C", repository, "log", "-1", "--format=%h %ct", "--", "Sources", "Package.swift"]
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout.split()
        return out[0], datetime.datetime.fromtimestamp(int(out[1]), datetime.timezone.utc)
    except (OSError, subprocess.CalledProcessError, IndexError, ValueError):
        return None


def cell(verdict):
    if verdict.status == "not run":
        return "—"
    if verdict.status == "met":
        return f"met: {verdict.measured}"
    if verdict.status == "not comparable":
        return f"not comparable: {verdict.measured}"
    return f"**missed**: {verdict.measured}"


def targets_table(results_root, repository, targets=TARGETS):
    """The markdown block between the markers: a sentence naming the runs, then one row per target."""
    runs = latest_runs(results_root)
    if not runs:
        return "No run recorded yet: `Benchmarks/run.sh quick` fills this table."
    names = ", ".join(f"{mode} `{stamp}`" for mode, stamp in runs)
    intro = (f"Written by `Benchmarks/report.py` after every `run.sh`, from the latest run of each mode "
             f"(`Benchmarks/results/latest-<mode>`): {names}. Ratios are ssegate ÷ nchan from the same run; "
             f"— means the scenario is not in that mode.")
    commit = latest_source_commit(repository)
    if commit:
        older = [stamp for _mode, stamp in runs if stamp_time(stamp) and stamp_time(stamp) < commit[1]]
        if older:
            # Say so in the table itself: a verdict on old code is not a verdict on the current one.
            which = f"All {len(runs)}" if len(older) == len(runs) else f"{len(older)} of these {len(runs)}"
            intro += (f" {which} runs predate the latest source change (`{commit[0]}`, {commit[1]:%Y-%m-%d}), "
                      f"so they measured older code; rerun a mode to measure the current one.")
    lines = [textwrap.fill(intro, width=110, break_long_words=False, break_on_hyphens=False)]
    header = "| target | " + " | ".join(f"{mode} `{stamp}`" for mode, stamp in runs) + " |"
    lines += ["", header, "|---|" + "---|" * len(runs)]
    loaded = [load_run(os.path.join(results_root, stamp)) for _mode, stamp in runs]
    for target in targets:
        cells = [cell(evaluate(target, run)) for run in loaded]
        lines.append(f"| `{target.id}`: {target.description} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def replace_block(text, block):
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        return f"{head}{BEGIN}\n\n{block}\n\n{END}{tail}"
    return f"{text.rstrip()}\n\n{BEGIN}\n\n{block}\n\n{END}\n"


def update_targets_table(results_root, markdown):
    repository = os.path.dirname(os.path.abspath(markdown))
    block = targets_table(results_root, repository)
    with open(markdown) as f:
        text = f.read()
    with open(markdown, "w") as f:
        f.write(replace_block(text, block))


def main(argv):
    if argv[:1] == ["--markdown"] and len(argv) == 3:
        update_targets_table(argv[1], argv[2])
        return 0
    if len(argv) not in (1, 2) or (len(argv) == 2 and argv[1] != "--check"):
        print(__doc__, file=sys.stderr)
        return 2
    lines = verdict_lines(argv[0])
    print("\n".join(lines))
    missed = any(line.endswith(" MISSED") for line in lines)
    return 1 if missed and "--check" in argv else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
