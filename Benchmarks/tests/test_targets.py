"""Tests of Benchmarks/targets.py against small synthetic runs.

python3 -m unittest discover -s Benchmarks/tests
"""
import fnmatch
import io
import json
import os
import sys
import tempfile
import unittest
from contextlib import redirect_stdout

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import targets  # noqa: E402
from targets import Target  # noqa: E402


def write_row(directory, scenario, label, **fields):
    """One JSON file as run.sh writes it: <scenario>.<label>.json, one object per line."""
    row = dict(mode="fanout", label=label, scenario=scenario, command="ssegate-load …", **fields)
    with open(os.path.join(directory, f"{scenario}.{label}.json"), "w") as f:
        f.write(json.dumps(row) + "\n")


def by_id(name):
    return next(target for target in targets.TARGETS if target.id == name)


class RunDirectory(unittest.TestCase):
    def setUp(self):
        self.temporary = tempfile.TemporaryDirectory()
        self.run_dir = self.temporary.name

    def tearDown(self):
        self.temporary.cleanup()

    def line(self, target_id):
        runs = targets.load_run(self.run_dir)
        return targets.verdict_line(targets.evaluate(by_id(target_id), runs))


class RatioTargets(RunDirectory):
    def test_met_when_ssegate_is_ten_times_as_efficient(self):
        write_row(self.run_dir, "fanout_5k_50", "ssegate", deliveries_per_server_cpu_second=1_050_000.0, lost=0)
        write_row(self.run_dir, "fanout_5k_50", "nchan", deliveries_per_server_cpu_second=100_000.0, lost=0)
        self.assertEqual(self.line("h2-fanout-cpu"), "TARGET h2-fanout-cpu: 10.5x nchan (target >= 10x) met")

    def test_missed_prints_the_figure(self):
        write_row(self.run_dir, "fanout_5k_50", "ssegate", deliveries_per_server_cpu_second=790_000.0)
        write_row(self.run_dir, "fanout_5k_50", "nchan", deliveries_per_server_cpu_second=100_000.0)
        self.assertEqual(self.line("h2-fanout-cpu"), "TARGET h2-fanout-cpu: 7.9x nchan (target >= 10x) MISSED")

    def test_lower_is_better_ratio(self):
        write_row(self.run_dir, "churn", "ssegate", server_cpu_us_per_handshake=700.0)
        write_row(self.run_dir, "churn", "nchan", server_cpu_us_per_handshake=1000.0)
        self.assertEqual(self.line("tls-handshake-cpu"),
                         "TARGET tls-handshake-cpu: 0.7x nchan (target <= 0.8x) met")

    def test_ratio_against_an_nchan_that_lost_events_is_not_comparable(self):
        write_row(self.run_dir, "large", "ssegate", server_cpu_seconds=0.28, delivered=2000, size=200000, lost=0)
        write_row(self.run_dir, "large", "nchan", server_cpu_seconds=1.29, delivered=42, size=200000, lost=1958,
                  deliveries_expected=2000)
        self.assertEqual(self.line("large-cpu"),
                         "TARGET large-cpu: nchan lost 1,958 of 2,000 events in large, no ratio "
                         "(target <= 0.5x) not comparable")

    def test_resumption_cpu_is_its_own_scenario(self):
        write_row(self.run_dir, "churn", "ssegate", server_cpu_us_per_handshake=700.0)
        write_row(self.run_dir, "churn", "nchan", server_cpu_us_per_handshake=1000.0)
        self.assertEqual(self.line("tls-resumption-cpu"), "TARGET tls-resumption-cpu: not run in this mode")
        write_row(self.run_dir, "churn_resumed", "ssegate", server_cpu_us_per_handshake=450.0)
        write_row(self.run_dir, "churn_resumed", "nchan", server_cpu_us_per_handshake=500.0)
        self.assertEqual(self.line("tls-resumption-cpu"),
                         "TARGET tls-resumption-cpu: 0.9x nchan (target <= 0.8x) MISSED")

    def test_resumption_share_counts_only_handshakes_that_offered_a_ticket(self):
        # 32 workers: their first connections offer nothing, so 968 of 1,000 could resume.
        write_row(self.run_dir, "churn_resumed", "ssegate", completed=1000, workers=32, resumed=968)
        self.assertEqual(self.line("tls-resumption-share"),
                         "TARGET tls-resumption-share: 1 of handshakes resumed (target >= 0.95 of handshakes resumed) met")
        write_row(self.run_dir, "churn_resumed", "ssegate", completed=1000, workers=32, resumed=0)
        self.assertTrue(self.line("tls-resumption-share").endswith(" MISSED"))

    def test_ratio_without_nchan_in_the_run_is_not_run(self):
        write_row(self.run_dir, "churn", "ssegate", server_cpu_us_per_handshake=700.0)
        self.assertEqual(self.line("tls-handshake-cpu"), "TARGET tls-handshake-cpu: not run in this mode")

    def test_cpu_per_megabyte_is_derived_from_size_and_deliveries(self):
        # ssegate: 0.5 s for 1,000 × 200 KB = 200 MB; nchan: 0.5 s for 1,000 × 400 KB. Per MB, ssegate pays twice.
        write_row(self.run_dir, "large", "ssegate", server_cpu_seconds=0.5, delivered=1000, size=200_000)
        write_row(self.run_dir, "large", "nchan", server_cpu_seconds=0.5, delivered=1000, size=400_000)
        self.assertEqual(self.line("large-cpu"), "TARGET large-cpu: 2x nchan (target <= 0.5x) MISSED")


class AbsoluteTargets(RunDirectory):
    def test_p99_met_and_missed(self):
        write_row(self.run_dir, "fanout_5k_50", "ssegate", latency_p99_ms=9.5)
        self.assertEqual(self.line("h2-fanout-p99"), "TARGET h2-fanout-p99: 9.5 ms (target <= 10 ms) met")
        write_row(self.run_dir, "fanout_5k_50", "ssegate", latency_p99_ms=164.479)
        self.assertEqual(self.line("h2-fanout-p99"), "TARGET h2-fanout-p99: 164 ms (target <= 10 ms) MISSED")

    def test_strict_comparison_misses_at_the_threshold(self):
        write_row(self.run_dir, "fanout_50k_50", "ssegate", latency_p99_ms=50.0)
        self.assertTrue(self.line("h2-fanout-50k-p99").endswith(" MISSED"))

    def test_scenario_not_in_the_run(self):
        write_row(self.run_dir, "fanout_5k_10", "ssegate", latency_p99_ms=1.0)
        self.assertEqual(self.line("h2-fanout-50k-p99"), "TARGET h2-fanout-50k-p99: not run in this mode")
        self.assertEqual(self.line("capacity-2m"), "TARGET capacity-2m: not run in this mode")

    def test_pattern_shows_the_worst_scenario(self):
        write_row(self.run_dir, "idle_mux_100k", "ssegate", server_rss_per_stream_kib=0.9)
        write_row(self.run_dir, "idle_mux_1m", "ssegate", server_rss_per_stream_kib=1.2)
        self.assertEqual(self.line("mem-mux-stream"),
                         "TARGET mem-mux-stream: 1.2 KiB in idle_mux_1m, worst of 2 scenarios (target <= 1 KiB) MISSED")

    def test_single_connection_patterns_keep_http2_and_http1_apart(self):
        write_row(self.run_dir, "idle_single_2k", "ssegate", server_rss_per_stream_kib=19.0)
        write_row(self.run_dir, "idle_single_h1_2k", "ssegate", server_rss_per_stream_kib=23.5)
        self.assertEqual(self.line("mem-h2-connection"),
                         "TARGET mem-h2-connection: 19 KiB (target <= 20 KiB) met")
        self.assertEqual(self.line("mem-h1-connection"),
                         "TARGET mem-h1-connection: 23.5 KiB (target <= 20 KiB) MISSED")


class LostEvents(RunDirectory):
    def test_nothing_lost_anywhere(self):
        for scenario in ("fanout_5k_10", "fanout_5k_50", "large"):
            write_row(self.run_dir, scenario, "ssegate", lost=0)
        write_row(self.run_dir, "churn", "ssegate", server_cpu_us_per_handshake=800.0)  # has no "lost": skipped
        self.assertEqual(self.line("no-loss"), "TARGET no-loss: 0 lost in all 3 scenarios (target 0 lost) met")

    def test_one_lost_event_misses_and_names_the_scenario(self):
        write_row(self.run_dir, "fanout_5k_10", "ssegate", lost=0)
        write_row(self.run_dir, "fanout_5k_500", "ssegate", lost=15547)
        write_row(self.run_dir, "fanout_5k_500", "nchan", lost=0)
        self.assertEqual(self.line("no-loss"),
                         "TARGET no-loss: 15,547 lost in fanout_5k_500, worst of 2 scenarios (target 0 lost) MISSED")

    def test_nchan_losing_events_does_not_count(self):
        write_row(self.run_dir, "fanout_5k_50", "ssegate", lost=0)
        write_row(self.run_dir, "fanout_5k_50", "nchan", lost=1_195_996)
        self.assertEqual(self.line("h2-fanout-lost"), "TARGET h2-fanout-lost: 0 lost (target 0 lost) met")


class CommandLine(RunDirectory):
    def run_main(self, *arguments):
        out = io.StringIO()
        with redirect_stdout(out):
            status = targets.main(list(arguments))
        return status, out.getvalue().splitlines()

    def test_one_line_per_target_and_check_fails_on_a_miss(self):
        write_row(self.run_dir, "fanout_5k_50", "ssegate", latency_p99_ms=164.0, lost=0)
        status, lines = self.run_main(self.run_dir)
        self.assertEqual(status, 0)
        self.assertEqual(len(lines), len(targets.TARGETS))
        self.assertTrue(all(line.startswith("TARGET ") for line in lines))
        status, _ = self.run_main(self.run_dir, "--check")
        self.assertEqual(status, 1)

    def test_check_passes_when_nothing_is_missed(self):
        write_row(self.run_dir, "fanout_5k_50", "ssegate", latency_p99_ms=5.0, lost=0)
        status, lines = self.run_main(self.run_dir, "--check")
        self.assertEqual(status, 0)
        self.assertIn("TARGET h2-fanout-p99: 5 ms (target <= 10 ms) met", lines)


class MarkdownTable(unittest.TestCase):
    def test_table_between_the_markers_from_the_latest_run_of_each_mode(self):
        with tempfile.TemporaryDirectory() as root:
            results = os.path.join(root, "results")
            quick = os.path.join(results, "20990101T000000Z")
            os.makedirs(quick)
            write_row(quick, "fanout_5k_50", "ssegate", latency_p99_ms=21.0, lost=0)
            with open(os.path.join(results, "latest-quick"), "w") as f:
                f.write("20990101T000000Z\n")
            markdown = os.path.join(root, "BENCHMARKS.md")
            with open(markdown, "w") as f:
                f.write(f"# B\n\nbefore\n\n{targets.BEGIN}\nold table\n{targets.END}\n\nafter\n")
            targets.update_targets_table(results, markdown)
            targets.update_targets_table(results, markdown)  # twice: the block is replaced, not added
            with open(markdown) as f:
                text = f.read()
        self.assertEqual(text.count(targets.BEGIN), 1)
        self.assertNotIn("old table", text)
        self.assertTrue(text.startswith("# B\n\nbefore\n") and text.endswith("\n\nafter\n"))
        self.assertIn("| target | quick `20990101T000000Z` |", text)
        self.assertIn("| **missed**: 21 ms |", text)
        self.assertIn("| met: 0 lost |", text)


class TargetTable(unittest.TestCase):
    def test_every_target_is_well_formed(self):
        ids = [target.id for target in targets.TARGETS]
        self.assertEqual(len(ids), len(set(ids)))
        for target in targets.TARGETS:
            self.assertIn(target.comparison.lstrip("x"), targets.COMPARE, target.id)
            self.assertIn(target.metric, targets.UNITS, target.id)

    def test_adding_a_target_is_one_entry(self):
        extra = Target("h2-fanout-10-p99", "fanout_5k_10", "latency_p99_ms", "<=", 50, "5,000 × 10/s: p99 ≤ 50 ms")
        with tempfile.TemporaryDirectory() as run_dir:
            write_row(run_dir, "fanout_5k_10", "ssegate", latency_p99_ms=40.7)
            lines = targets.verdict_lines(run_dir, targets.TARGETS + [extra])
        self.assertEqual(lines[-1], "TARGET h2-fanout-10-p99: 40.7 ms (target <= 50 ms) met")

    def test_memory_patterns_match_only_idle_scenarios(self):
        names = ["idle_mux_10k", "idle_mux_1m", "idle_single_2k", "idle_single_18k", "idle_single_h1_2k",
                 "fanout_5k_50", "channels_10k_1k"]
        matched = {target.id: [n for n in names if fnmatch.fnmatchcase(n, target.scenario)]
                   for target in targets.TARGETS if target.id.startswith("mem-")}
        self.assertEqual(matched, {"mem-mux-stream": ["idle_mux_10k", "idle_mux_1m"],
                                   "mem-h2-connection": ["idle_single_2k", "idle_single_18k"],
                                   "mem-h1-connection": ["idle_single_h1_2k"]})


if __name__ == "__main__":
    unittest.main()
