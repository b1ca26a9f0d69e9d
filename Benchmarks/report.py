#!/usr/bin/env python3
"""Turns one Benchmarks/results/<stamp>/ directory into the BENCHMARKS.md results table and PNG plots.

usage: report.py RESULTS_DIR BENCHMARKS_MD PLOTS_DIR "COMMAND"
Only numbers found in the JSON files are written; the table sits between the results markers.
Then the targets table (targets.py) is rewritten from the latest run of each mode, this one included.
"""
import glob
import os
import sys

from targets import load_run as load, update_targets_table


def markers(mode):
    return f"<!-- results:{mode}:begin -->", f"<!-- results:{mode}:end -->"

# (metric key, label, better: "lower" or "higher")
METRICS = {
    "idle": [("streams_open", "streams open", "higher"),
             ("server_rss_per_stream_kib", "server RSS per stream (KiB)", "lower"),
             ("server_cpu_open_seconds", "server CPU to open (s)", "lower")],
    "fanout": [("publish_rate_achieved", "publishes/s achieved", "higher"),
               ("deliveries_per_second", "deliveries/s", "higher"),
               ("server_cpu_us_per_delivery", "server CPU per delivery (µs)", "lower"),
               ("deliveries_per_server_cpu_second", "deliveries per server CPU-second", "higher"),
               ("latency_p50_ms", "p50 latency (ms)", "lower"),
               ("latency_p99_ms", "p99 latency (ms)", "lower"),
               ("latency_p999_ms", "p99.9 latency (ms)", "lower"),
               ("latency_max_ms", "max latency (ms)", "lower"),
               ("send_latency_p99_ms", "p99 from publish write (ms)", "lower"),
               ("lost", "lost", "lower"),
               ("stale", "late beyond 1024 (stale)", "lower"),
               ("duplicated", "duplicated", "lower")],
    "churn": [("handshakes_per_second", "handshakes + request/s", "higher"),
              ("server_cpu_us_per_handshake", "server CPU per handshake (µs)", "lower"),
              ("resumed", "handshakes resumed (TLS 1.3 ticket)", "higher"),
              ("failed", "failed", "lower")],
    "large": [("delivered", "events delivered", "higher"),
              ("deliveries_expected", "events expected", "higher"),
              ("corrupt", "corrupt", "lower"),
              ("lost", "lost", "lower"),
              ("latency_p99_ms", "p99 latency (ms)", "lower")],
}


def fmt(value):
    if value is None:
        return "—"
    if isinstance(value, float):
        if abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:.3g}"
    return f"{value:,}"


def table(runs):
    lines = ["| scenario | metric | ssegate | nchan | ssegate ÷ nchan |", "|---|---|---:|---:|---:|"]
    for scenario, by_label in runs.items():
        any_row = next(iter(by_label.values()))
        mode = any_row["mode"]
        for key, label, _better in METRICS.get(mode, []):
            a = by_label.get("ssegate", {}).get(key)
            b = by_label.get("nchan", {}).get(key)
            ratio = "—"
            if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b:
                ratio = f"{a / b:.2f}"
            lines.append(f"| {scenario} | {label} | {fmt(a)} | {fmt(b)} | {ratio} |")
    return "\n".join(lines)


def commands(runs):
    out = []
    for scenario, by_label in runs.items():
        for label, row in by_label.items():
            out.append(f"- `{scenario}` / {label}: `{row['command']}`")
    return "\n".join(out)


def plots(runs, plots_dir):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    os.makedirs(plots_dir, exist_ok=True)
    made = []
    # Latency vs subscribers, one line per server and rate.
    fig, ax = plt.subplots(figsize=(7, 4.5))
    series = {}
    for by_label in runs.values():
        for label, row in by_label.items():
            if row["mode"] != "fanout" or row.get("channels", 1) != 1 or row.get("protocol") != "h2":
                continue
            series.setdefault((label, row["rate"]), []).append((row["streams_open"], row["latency_p99_ms"]))
    for (label, rate), points in sorted(series.items()):
        points.sort()
        ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=f"{label} {rate:g}/s")
    if series:
        ax.set_xlabel("subscribers (HTTP/2 streams, one channel)")
        ax.set_ylabel("p99 publish-to-receive latency (ms)")
        ax.set_yscale("log")
        ax.set_title("Fan-out latency (p99)")
        ax.legend()
        ax.grid(True, alpha=0.3)
        path = os.path.join(plots_dir, "latency_vs_subscribers.png")
        fig.savefig(path, dpi=110, bbox_inches="tight")
        made.append(path)
    plt.close(fig)
    # Server memory vs open streams (idle).
    fig, ax = plt.subplots(figsize=(7, 4.5))
    series = {}
    for scenario, by_label in runs.items():
        for label, row in by_label.items():
            if row["mode"] != "idle" or "server_rss_after_mib" not in row:
                continue
            if "mux" in scenario:
                kind = "HTTP/2 multiplexed"
            elif row.get("protocol") == "http1":
                kind = "HTTP/1.1, one stream per connection"
            else:
                kind = "HTTP/2, one stream per connection"
            delta = row["server_rss_after_mib"] - row["server_rss_before_mib"]
            series.setdefault((label, kind), []).append((row["streams_open"], delta))
    for (label, kind), points in sorted(series.items()):
        points = [(0, 0)] + sorted(points)
        ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=f"{label}, {kind}")
    if series:
        ax.set_xlabel("idle streams")
        ax.set_ylabel("server RSS growth (MiB)")
        ax.set_title("Server memory vs idle streams")
        ax.legend()
        ax.grid(True, alpha=0.3)
        path = os.path.join(plots_dir, "memory_vs_streams.png")
        fig.savefig(path, dpi=110, bbox_inches="tight")
        made.append(path)
    plt.close(fig)
    return made


def main():
    directory, markdown, plots_dir, command = sys.argv[1:5]
    mode = command.split()[-1]
    BEGIN, END = markers(mode)
    runs = load(directory)
    # Plots combine this run with the latest run of the other modes (scenario names differ by size).
    results_root = os.path.dirname(os.path.normpath(directory))
    with open(os.path.join(results_root, f"latest-{mode}"), "w") as f:
        f.write(os.path.basename(os.path.normpath(directory)) + "\n")
    combined = {}
    for name in sorted(glob.glob(os.path.join(results_root, "latest-*"))):
        other = open(name).read().strip()
        for scenario, rows in load(os.path.join(results_root, other)).items():
            combined.setdefault(scenario, {}).update(rows)
    combined.update(runs)
    made = plots(combined, plots_dir)
    stamp = os.path.basename(os.path.normpath(directory))
    block = [BEGIN, "",
             f"Run `{stamp}` (`{command}`); raw JSON in `Benchmarks/results/{stamp}/`.", "",
             table(runs), "", "Commands (ssegate-load is `.build/release/ssegate-load`):", "", commands(runs), ""]
    for path in made:
        rel = os.path.relpath(path, os.path.dirname(os.path.abspath(markdown)))
        block.append(f"![{os.path.basename(path)}]({rel})")
    block += ["", END]
    text = open(markdown).read() if os.path.exists(markdown) else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        text = head + "\n".join(block) + tail
    else:
        text += "\n" + "\n".join(block) + "\n"
    with open(markdown, "w") as f:
        f.write(text)
    update_targets_table(results_root, markdown)
    print(table(runs))


if __name__ == "__main__":
    main()
