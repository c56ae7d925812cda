"""The report's goal table (issue 14): every goal of bench/targets.py against one run.

A goal row shows the measured value, the target, whether it is met, the peer it was
measured against (the fastest that ran in the workload's group, unless the goal names one)
and whether the entries behind it ran on a quiet machine. A goal whose entries are not in
the run (a subset with ``-k``, a peer not installed) says "not measured". The peers' own
section says which ran where and why the others did not (the reasons are recorded in the
run's machine info by bench/conftest.py, from ``peer_reasons``).
"""

from bench import oversubscribed, peak, widths
from bench.systems import LABELS
from bench.targets import (CONTENDED, GOALS, KERNEL_1024, OVERSUBSCRIBED, PEERS, SHARE_OF_PEAK,
                           SPEED_UP, TIME_RATIO, US_PER_UPDATE, VS_NUMPY)

NOT_MEASURED = "not measured"


def label(system):
    return LABELS.get(system, system)


def peer_reasons():
    """{peer: why it cannot run here, or None when it can}, for the run's machine info"""
    from bench import systems

    return {name: systems.missing(name) if name in LABELS else "not in bench/systems.py"
            for name in PEERS}


def status(value, target, at_most=False):
    if value is None:
        return NOT_MEASURED
    return "met" if (value <= target if at_most else value >= target) else "**not met**"


def by_workload(groups):
    """{workload: entries} of the first group of each workload"""
    found = {}
    for entries in groups.values():
        found.setdefault(next(iter(entries.values()))["workload"], entries)
    return found


def fastest_peer(entries, peer=None):
    """(name, entry) of the fastest peer in ``entries`` (only ``peer`` when given), or
    (None, None) when none ran"""
    ran = [(entries[name]["median"], name) for name in ([peer] if peer else PEERS)
           if name in entries]
    if not ran:
        return None, None
    name = min(ran)[1]
    return name, entries[name]


def peer_speed_up(workload, entries):
    """bendernet (C)'s speed over the peer its speed-up goal names (else the fastest peer) in
    ``entries``, or None"""
    peer = next((goal.peer for goal in GOALS
                 if goal.measure == SPEED_UP and goal.workload == workload), None)
    mine, (_, theirs) = entries.get("bendernet"), fastest_peer(entries, peer)
    return theirs["median"] / mine["median"] if mine and theirs else None


class Run:
    """What the goals are read from: the run's groups, split as the report splits them, the
    measured peaks, and the report's formatting of times and of quietness"""

    def __init__(self, groups, width_groups, oversubscribed_groups, peaks, seconds, noisy):
        self.groups, self.width_groups = groups, width_groups
        self.oversubscribed_groups, self.peaks = oversubscribed_groups, peaks
        self.workloads = by_workload(groups)
        self.seconds, self.noisy = seconds, noisy


def row(goal, what, measured, value, run, entries, peer="—", at_most=False, workload=None,
        quiet=None):
    shown = "—" if measured is None else measured
    return [workload or goal.workload, what, shown, status(value, goal.target, at_most), peer,
            quiet or (run.noisy(*entries) if any(entries) else "—")]


def with_kernel_defaults(entry, group, peaks):
    """A kernel entry with its dtype (from the group's name when the entry has none) and its
    threads (when not recorded: the most the peaks were measured at, bendernet's limit)"""
    dtype = entry.get("dtype") or next((name for name in peak.DTYPES if name in group), None)
    counts = [int(threads) for threads in peaks.get(dtype, {})]
    return dict(entry, dtype=dtype, threads=entry.get("threads", max(counts, default=None)))


def share_rows(goal, run):
    what = f"≥ {goal.target:.0%} of the FMA peak"
    if goal.workload == KERNEL_1024:
        found = [with_kernel_defaults(entries["bendernet"], name, run.peaks)
                 for name, entries in run.groups.items()
                 if entries.get("bendernet", {}).get("workload") == KERNEL_1024]
        what += " (each precision)"
    else:
        entry = run.workloads.get(goal.workload, {}).get("bendernet")
        found = [entry] if entry else []
    rows = []
    for entry in found:
        value, top = peak.share(run.peaks, entry), peak.peak_for(run.peaks, entry)
        measured = None if value is None else (
            f"{value:.1%} ({entry['gflops']:.3g} of {top:.4g} GFLOP/s, {entry['dtype']}, "
            f"{entry['threads']} thr.)")
        workload = f"{goal.workload} {entry['dtype']}" if goal.workload == KERNEL_1024 else None
        # nothing beats the peak: above it, the peak was measured while the machine was busy
        quiet = "no (the peak was measured low: a share above 100%)" if value and value > 1 \
            else None
        rows.append(row(goal, what, measured, value, run, [entry], workload=workload,
                        quiet=quiet))
    return rows or [row(goal, what, None, None, run, [])]


def peer_cell(name, entry, goal, run):
    if entry is None:
        return f"{label(goal.peer)}: not run" if goal.peer else "no peer ran"
    return f"{label(name)} ({run.seconds(entry['median'])})"


def speed_up_rows(goal, run):
    entries = run.workloads.get(goal.workload, {})
    mine = entries.get("bendernet")
    name, theirs = fastest_peer(entries, goal.peer)
    what = f"≥ {goal.target:g}× " + (f"{label(goal.peer)}'s speed" if goal.peer
                                      else "the fastest peer's speed")
    value = peer_speed_up(goal.workload, entries)
    return [row(goal, what, None if value is None else f"{value:.3g}×", value, run,
                [mine, theirs], peer=peer_cell(name, theirs, goal, run))]


def time_ratio_rows(goal, run):
    entries = run.workloads.get(goal.workload, {})
    mine = entries.get("bendernet")
    name, theirs = fastest_peer(entries, goal.peer)
    what = f"≤ {goal.target:g}× {label(goal.peer) if goal.peer else 'the fastest peer'}'s time"
    value = mine["median"] / theirs["median"] if mine and theirs else None
    measured = None if value is None else f"{value:.3g}× ({run.seconds(mine['median'])})"
    return [row(goal, what, measured, value, run, [mine, theirs], at_most=True,
                peer=peer_cell(name, theirs, goal, run))]


def us_per_update_rows(goal, run):
    entry = run.workloads.get(goal.workload, {}).get("bendernet")
    value = entry.get("us_per_update") if entry else None
    return [row(goal, f"≤ {goal.target:g} µs per update",
                None if value is None else f"{value:.3g} µs", value, run, [entry],
                at_most=True)]


def matmul_ratios(run, prefix):
    """[(bendernet's speed over NumPy's, the group, its entries)] of every ops.matmul shape:
    the kernel groups whose workload starts with ``prefix`` (the 1024^3 one aside) and the
    width products (each entry of those times bendernet and NumPy at two widths)"""
    ratios = []
    kernel_groups = [(name, entries) for name, entries in run.groups.items()
                     if "numpy" in entries and entries["numpy"]["workload"].startswith(prefix)
                     and entries["numpy"]["workload"] != KERNEL_1024]
    for name, entries in kernel_groups:
        mine, numpy = entries.get("bendernet"), entries.get("numpy")
        if mine and numpy:
            ratios.append((numpy["median"] / mine["median"], name, [mine, numpy]))
    return ratios + [(ratio, name, [entry])
                     for ratio, name, entry in widths.vs_numpy(run.width_groups)]


def vs_numpy_rows(goal, run):
    what = f"ops.matmul ≥ {goal.target:g}× NumPy at every layer and width shape"
    ratios = matmul_ratios(run, goal.workload + " ")
    if not ratios:
        return [row(goal, what, None, None, run, [])]
    worst, name, _ = min(ratios)
    met = sum(value >= goal.target for value, _, _ in ratios)
    measured = f"lowest {worst:.2f}× ({name}); {met} of {len(ratios)} shapes met"
    return [row(goal, what, measured, worst, run,
                [entry for _, _, entries in ratios for entry in entries])]


def contended_rows(goal, run):
    entries = run.workloads.get(goal.workload, {})
    quiet, busy = entries.get(("bendernet", "quiet")), entries.get(("bendernet", "contended"))
    value = busy["median"] / quiet["median"] if quiet and busy else None
    # the quiet side must be quiet; the contended side has the bench's spinner (about 1 CPU)
    return [row(goal, f"one core kept busy: ≤ {goal.target:g}× the quiet time",
                None if value is None else f"{value:.3g}×", value, run, [quiet],
                at_most=True)]


def oversubscribed_rows(goal, run):
    entry = oversubscribed.entry_of(run.oversubscribed_groups)
    if entry is not None and entry.get("fit_workload") != goal.workload:
        entry = None
    slowdowns = entry["slowdown"] if entry else {}
    value = max(slowdowns.values(), default=None)
    measured = ", ".join(f"{setting} threads {ratio:.3g}×"
                         for setting, ratio in slowdowns.items()) or None
    return [row(goal, f"OMP_NUM_THREADS 8 and 16: ≤ {goal.target:g}× the default's time",
                measured, value, run, [entry], at_most=True)]


ROWS = {SHARE_OF_PEAK: share_rows, SPEED_UP: speed_up_rows, TIME_RATIO: time_ratio_rows,
        US_PER_UPDATE: us_per_update_rows, VS_NUMPY: vs_numpy_rows, CONTENDED: contended_rows,
        OVERSUBSCRIBED: oversubscribed_rows}
HEADER = ["Workload", "Goal", "bendernet (C) measured", "Status", "Measured against",
          "Idle machine?"]


def rows(run):
    """The goal table's rows, in bench/targets.py's order"""
    return [line for goal in GOALS for line in ROWS[goal.measure](goal, run)]


def peers_section(groups, reasons, table):
    """Which peer ran in which workload, and why the missing ones did not run"""
    workloads = by_workload(groups)
    lines = []
    for name in PEERS:
        ran = [workload for workload, entries in workloads.items() if name in entries]
        reason = (reasons or {}).get(name)
        why = reason or ("" if ran else "installed, but not in this run's entries"
                         if reasons else "not recorded (a run saved before peers were)")
        lines.append([label(name), ", ".join(ran) or "none", why])
    missing = [label(name) for name in PEERS if (reasons or {}).get(name)]
    if not reasons:
        summary = "Which peers could run was not recorded in this run."
    elif missing:
        summary = f"Could not run here: {', '.join(missing)}."
    else:
        summary = "Every peer could run here."
    return ["## Peers", "",
            "The fastest peer of a workload is the fastest of these that ran in its group; "
            "bendernet's own two backends are never peers. " + summary, "",
            table(["Peer", "Ran in", "Why not (where it did not run)"], lines), ""]
