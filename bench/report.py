"""Run the benchmark suite (or read a saved run) and write bench/RESULTS.md and a chart.

    python bench/report.py                      # run the full suite, then report
    python bench/report.py --json run.json      # report a saved pytest-benchmark JSON
    python bench/report.py --smoke              # tiny sizes: checks the pipeline only
    python -m bench.report -- -k W1             # arguments after -- go to pytest

Every number comes from one pytest-benchmark run: the median wall time (perf_counter) over
its rounds. Speed-ups divide medians of the same group, so they compare runs minutes apart
on the same machine, never runs on different days.
"""

import argparse
import json
import os
import subprocess
import sys
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
if __package__ in (None, ""):   # run as a script: the repository root makes `bench` importable
    sys.path.insert(0, os.path.dirname(HERE))

from bench.systems import LABELS, REPORTED as SYSTEMS  # noqa: E402
from bench import goals, memory, oversubscribed, peak, widths  # noqa: E402
from bench.targets import GOALS, PEERS, SPEED_UP  # noqa: E402

BASELINES = [("sklearn", "vs sklearn"), ("bendernet-numpy", "vs numpy backend"),
             ("torch", "vs torch"), ("onnxruntime", "vs ONNX Runtime")]
WORKLOAD_ORDER = ["W1-f64", "W1-f32", "W2", "W3", "W4-1", "W4-many", "W5", "W1-short", "kernel",
                  "width"]
NOISY = 0.25  # CPUs used by other processes above which an entry is flagged
FAR_NS = 150  # cores' round trip above which an entry is flagged (BENDERNET_FAR_ROUND_TRIP_NS)


# ---- reading ---------------------------------------------------------------------------------

def run_suite(json_path, smoke, quiet_wait, pytest_args):
    env = dict(os.environ, BENDERNET_BENCH_QUIET_WAIT=str(quiet_wait))
    if smoke:
        env["BENDERNET_BENCH_SMOKE"] = "1"
    command = [sys.executable, "-m", "pytest", HERE, "-q", "-rs", "-p", "no:cacheprovider",
               f"--benchmark-json={json_path}", "--benchmark-columns=median,rounds",
               "--benchmark-sort=name"]
    if smoke:
        command.append("--benchmark-max-time=0.05")
    command += pytest_args
    print("running:", " ".join(command), flush=True)
    code = subprocess.run(command, env=env, cwd=os.path.dirname(HERE)).returncode
    if code not in (0, 5) and not os.path.exists(json_path):
        sys.exit(f"the benchmark suite failed (exit {code}) and wrote no results")


def workload_rank(workload):
    for rank, key in enumerate(WORKLOAD_ORDER):
        if workload == key or workload.startswith(key + " "):
            return rank
    return len(WORKLOAD_ORDER)


def load(json_path):
    """(machine, groups): groups maps a group name to {system: entry} in report order."""
    with open(json_path) as source:
        run = json.load(source)
    groups = defaultdict(dict)
    for bench in run["benchmarks"]:
        info = bench.get("extra_info", {})
        system = info.get("system")
        if system is None:
            continue
        key = (system, info["condition"]) if "condition" in info else system
        groups[bench["group"]][key] = dict(info, median=bench["stats"]["median"],
                                           rounds=bench["stats"]["rounds"])
    ordered = sorted(groups.items(), key=lambda item: workload_rank(
        next(iter(item[1].values()))["workload"]))
    return run, dict(ordered)


# ---- formatting --------------------------------------------------------------------------

def seconds(value):
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6)):
        if value >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value * 1e9:.3g} ns"


def fit_time(entry):
    """The median, and beside it the compile a compiling system did before the timed rounds."""
    if "compile_s" not in entry:
        return seconds(entry["median"])
    return f"{seconds(entry['median'])} (+ {seconds(entry['compile_s'])} compile)"


def ratio(value):
    return "—" if value is None else f"{value:.3g}×"


def speedup(entries, system, baseline):
    if system == baseline or system not in entries or baseline not in entries:
        return None
    return entries[baseline]["median"] / entries[system]["median"]


def rate(entry):
    if "rows_per_s" in entry:
        return f"{entry['rows_per_s']:.3g} rows/s"
    if "us_per_update" in entry:
        return f"{entry['us_per_update']:.3g} µs/update"
    if "gflops" in entry:
        return f"{entry['gflops']:.3g} GFLOP/s"
    return ""


def gflops(entry):
    return f"{entry['gflops']:.3g}" if "gflops" in entry else ""


def peak_share(peaks, entry):
    value = peak.share(peaks, entry)
    return "" if value is None else f"{value:.1%} ({entry['dtype']}, {entry['threads']} thr.)"


def score(entry):
    value = entry.get("score")
    return "" if value is None else f"{entry.get('metric', 'score')} {value:.4f}"


def others(entry):
    value = entry.get("others_cpu")
    if value is None:
        return ""
    return f"**{value:.2f}** ⚠" if value > NOISY else f"{value:.2f}"


def cores(entry):
    value = entry.get("core_round_trip_ns")
    if value is None:
        return ""
    return f"**{value} ns** ⚠" if value > FAR_NS else f"{value} ns"


def noisy(*entries):
    """'yes' when every entry ran on an otherwise idle machine with its cores near, else
    the worst load and the farthest cores."""
    entries = [entry for entry in entries if entry]
    worst = max((entry.get("others_cpu", 0) for entry in entries), default=0)
    farthest = max((entry.get("core_round_trip_ns", 0) for entry in entries), default=0)
    problems = ([f"{worst:.2f} CPUs busy elsewhere"] if worst > NOISY else []) + \
               ([f"cores {farthest} ns round trip"] if farthest > FAR_NS else [])
    return f"no ({'; '.join(problems)})" if problems else "yes"


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def workload_table(entries, peaks):
    header = ["System", "Median", "Rounds", "Rate", "GFLOP/s", "Share of peak", "Score",
              "Others' CPU", "Cores' round trip"]
    header += [label for _, label in BASELINES]
    rows = []
    for system in SYSTEMS:
        if system in entries:
            entry = entries[system]
            rows.append([LABELS[system], fit_time(entry), entry["rounds"], rate(entry),
                         gflops(entry), peak_share(peaks, entry), score(entry), others(entry),
                         cores(entry)] +
                        [ratio(speedup(entries, system, base)) for base, _ in BASELINES])
    return table(header, rows)


def contended_table(entries):
    rows = []
    for system in SYSTEMS:
        quiet, busy = entries.get((system, "quiet")), entries.get((system, "contended"))
        if quiet and busy:
            rows.append([LABELS[system], seconds(quiet["median"]), seconds(busy["median"]),
                         ratio(busy["median"] / quiet["median"]),
                         f"{others(quiet)} / {busy.get('others_cpu', '')}",
                         f"{score(quiet)} / {score(busy)}"])
    return table(["System", "Quiet", "Contended", "Slowdown", "Others' CPU (quiet / "
                  "contended: ~1 is the spinner)", "Score (quiet / contended)"], rows)


def kernel_table(groups):
    rows = []
    for name, entries in groups.items():
        mine, numpy = entries.get("bendernet"), entries.get("numpy")
        if not numpy:
            continue
        rows.append([name.removeprefix("kernel "),
                     seconds(mine["median"]) if mine else "skipped", rate(mine) if mine else "",
                     seconds(numpy["median"]), rate(numpy),
                     ratio(speedup(entries, "bendernet", "numpy")),
                     f"{mine['max_rel_error']:.1e}" if mine else ""])
    return table(["Kernel", "bendernet", "bendernet rate", "NumPy", "NumPy rate",
                  "Speed-up", "Max rel. error"], rows)


def targets_table(groups, width_groups, oversubscribed_groups, peaks):
    run = goals.Run(groups, width_groups, oversubscribed_groups, peaks, seconds, noisy)
    rows = goals.rows(run)
    width_entries = [entry for entries in width_groups.values() for entry in entries.values()]
    rows += [row[:3] + [row[3], "—", noisy(*width_entries)]
             for row in widths.target_rows(width_groups)]
    return table(goals.HEADER, rows)


def machine_section(run):
    mine = run.get("machine_info", {}).get("bendernet_bench", {})
    versions = mine.get("versions", {})
    lines = [
        f"- CPU: {mine.get('cpu_model', '?')}; {mine.get('logical_cpus', '?')} logical CPUs "
        f"({mine.get('usable_cpus', '?')} usable); SIMD: {', '.join(mine.get('simd_flags', []))}",
        f"- Threads: BLAS {mine.get('blas_threads', '?')} (sklearn and the NumPy backend), "
        f"torch and ONNX Runtime (intra-op) pinned to the same, "
        f"OMP_NUM_THREADS={mine.get('OMP_NUM_THREADS', '?')}",
        peak.headline(mine.get("fma_peak_gflops", {})),
        "- Versions: " + ", ".join(f"{name} {version}" for name, version in versions.items()),
        f"- Commit: {mine.get('commit', '?')}; run started {run.get('datetime', '?')}",
    ]
    if mine.get("smoke"):
        lines.append("- **Smoke run** (BENDERNET_BENCH_SMOKE=1): tiny sizes, numbers mean nothing")
    return "\n".join(lines)


METHOD = """\
How measured: one `pytest-benchmark` run of `bench/` on this machine. Fits use pedantic mode:
each round builds a fresh estimator (untimed) and times one `fit` with `time.perf_counter`;
rounds per system are in the tables (a warm-up fit first for bendernet (C) and PyTorch).
Predict and kernel entries are calibrated by pytest-benchmark (many iterations per round).
Medians are reported; a speed-up is the baseline's median over the row's median, from the
same group of the same run. Every system runs the same data, seed, epochs and
hyper-parameters (`tol=0`, `n_iter_no_change=max_iter`, so every epoch runs). Score is
accuracy or R² of the timed model: on the training set for W1/W3 (the data is fixed), on a
held-out set from the same generator for W2/W5, and on the predicted rows for W4.
"Others' CPU" is how many CPUs other processes kept busy on average during that entry
(from /proc/stat minus this process; the contended group's spinner counts as other): near 0
means a quiet measurement. The machine may be shared: entries above 0.25 are flagged ⚠ and
their times (and the ratios built on them) are inflated by the other load. "Cores' round
trip" is how long a cache line took between the two cores, probed before and after the
entry (the larger shown): this VM's host sometimes runs its CPUs on cores far apart (about
330 ns instead of 50-70) for seconds at a time. Above 150 ns an entry is flagged ⚠: every
two-thread system slows down then, and bendernet's fits keep to one thread. A blank: the
probe got no answer, another library's threads holding the second core."""


def write_markdown(run, groups, path):
    width_groups, groups = widths.split(groups)
    memory_groups, groups = memory.split(groups)
    oversubscribed_groups, groups = oversubscribed.split(groups)
    fits = {name: entries for name, entries in groups.items()
            if not any(isinstance(key, tuple) for key in entries)
            and "numpy" not in entries}
    contended = {name: entries for name, entries in groups.items()
                 if any(isinstance(key, tuple) for key in entries)}
    kernels = {name: entries for name, entries in groups.items() if "numpy" in entries}
    mine = run.get("machine_info", {}).get("bendernet_bench", {})
    peaks = mine.get("fma_peak_gflops", {})
    parts = ["# bendernet benchmark results", "", machine_section(run), "", METHOD, "",
             "## Goals (bench/targets.py)", "",
             targets_table(groups, width_groups, oversubscribed_groups, peaks), ""]
    parts += goals.peers_section(groups, mine.get("peers"), table)
    parts += peak.section(peaks, mine.get("fma_peak_method", {}), table)
    for name, entries in fits.items():
        parts += [f"## {name}", "", workload_table(entries, peaks), ""]
    for name, entries in contended.items():
        parts += [f"## {name}", "", contended_table(entries), ""]
    if kernels:
        parts += ["## Kernels (bendernet.ops against NumPy)", "", kernel_table(kernels), ""]
    parts += widths.section(width_groups, table)
    parts += oversubscribed.section(oversubscribed_groups, table)
    parts += memory.section(memory_groups, table, list(dict.fromkeys(SYSTEMS + PEERS)), LABELS)
    parts += ["![speed-ups](speedups.png)", ""]
    text = "\n".join(parts)
    with open(path, "w") as out:
        out.write(text)
    return text


# ---- chart -------------------------------------------------------------------------------

def write_chart(groups, path):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: no chart (pip install bendernet[bench])")
        return
    groups = oversubscribed.split(memory.split(widths.split(groups)[1])[1])[1]
    workloads = [(entries[next(iter(entries))]["workload"], entries)
                 for entries in groups.values()
                 if "bendernet" in entries and "numpy" not in entries]
    kernels = [(name.removeprefix("kernel "), entries) for name, entries in groups.items()
               if "bendernet" in entries and "numpy" in entries]
    figure, axes = plt.subplots(1, 2, figsize=(13, 6), width_ratios=[1, 1.3])
    left, right = axes
    series = [(label, [speedup(entries, "bendernet", base) or 0 for _, entries in workloads])
              for base, label in BASELINES]
    series.append(("vs the goal's peer", [goals.peer_speed_up(workload, entries) or 0
                                          for workload, entries in workloads]))
    height = 0.8 / len(series)
    for i, (label, values) in enumerate(series):
        positions = [row + (i - (len(series) - 1) / 2) * height for row in range(len(workloads))]
        left.barh(positions, values, height, label=label)
    for row, (workload, _) in enumerate(workloads):
        for goal in GOALS:
            if goal.measure == SPEED_UP and goal.workload == workload:
                left.plot([goal.target] * 2, [row - 0.45, row + 0.45], "k:", linewidth=1)
    left.set_yticks(range(len(workloads)), [w for w, _ in workloads])
    left.set_title("bendernet (C) speed-up per workload\n(dotted: the goal against the "
                   "fastest peer, or the one it names)")
    values = [speedup(entries, "bendernet", "numpy") or 0 for _, entries in kernels]
    right.barh(range(len(kernels)), values, 0.6, color="tab:purple", label="vs NumPy")
    right.set_yticks(range(len(kernels)), [name for name, _ in kernels], fontsize=7)
    right.set_title("bendernet.ops speed-up vs NumPy")
    for axis in axes:
        axis.set_xscale("log")
        axis.axvline(1, color="grey", linewidth=1)
        axis.invert_yaxis()
        axis.set_xlabel("speed-up (×, log scale; >1 is faster)")
        axis.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", help="report this saved pytest-benchmark JSON; do not run")
    parser.add_argument("--smoke", action="store_true", help="run with tiny sizes")
    parser.add_argument("--quiet-wait", type=float, default=0, metavar="SECONDS",
                        help="on a shared machine, wait up to this long before each test "
                             "for other processes to leave the CPUs idle")
    parser.add_argument("--out", default=HERE, help="directory for RESULTS.md, speedups.png")
    parser.add_argument("pytest_args", nargs="*", help="after --: passed on to pytest")
    args = parser.parse_args(argv)
    json_path = args.json
    if json_path is None:
        json_path = os.path.join(args.out, "results-smoke.json" if args.smoke else "results.json")
        run_suite(json_path, args.smoke, args.quiet_wait, args.pytest_args)
    run, groups = load(json_path)
    text = write_markdown(run, groups, os.path.join(args.out, "RESULTS.md"))
    write_chart(groups, os.path.join(args.out, "speedups.png"))
    print(text)


if __name__ == "__main__":
    main()
