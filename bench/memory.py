"""Peak memory of one fit (issue 14): how much a fit adds to the process's resident set at its
highest, for bendernet beside scikit-learn and the peers.

Each system and workload runs in a fresh process, ``python -m bench.memory SYSTEM WORKLOAD``:
the data is made and the estimator built first (so imports and the arrays are not counted),
then the resident set's high-water mark is reset (Linux: "5" into /proc/self/clear_refs), one
fit runs, and the process prints the high-water mark after it less the resident set before,
in MiB, as JSON. A system whose first fit compiles (``systems.COMPILED``) is measured on a
second fit, with a fresh estimator, as its time is (the compile left out); the first fit's
figure, compile included, is kept beside it. Where the mark cannot be reset it reads getrusage's
ru_maxrss instead, which keeps any earlier peak (the imports' or the data's): the figure is
then a lower bound, and the record says which method gave it.

The report's part (``split``, ``section``) reads the entries back.
"""

import gc
import json
import os
import resource
import subprocess
import sys

from bench.groups import split_by_workload

MIB = 1024 * 1024
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKLOAD_PREFIX = "memory "


def status_kib(field):
    """A field of /proc/self/status in KiB (VmRSS, VmHWM), or None off Linux"""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def reset_high_water_mark():
    """True when the kernel reset the resident set's high-water mark to the current size"""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return status_kib("VmHWM") is not None


def max_rss_kib():
    """getrusage's peak resident set in KiB (Linux reports KiB, macOS bytes)"""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak


def fit_added_mib(fit):
    """{"mib_added", "rss_before_mib", "method"}: what ``fit()`` adds to the resident set at
    its highest"""
    gc.collect()
    if reset_high_water_mark():
        before = status_kib("VmRSS")
        fit()
        peak, method = status_kib("VmHWM"), "VmHWM reset"
    else:   # the peak so far stays in ru_maxrss: a lower bound
        before = status_kib("VmRSS") or max_rss_kib()
        fit()
        peak, method = max_rss_kib(), "ru_maxrss"
    return {"mib_added": (peak - before) * 1024 / MIB, "rss_before_mib": before * 1024 / MIB,
            "method": method}


def run_child(system, workload_key):
    """The fresh process's record for ``system`` fitting the workload ``workload_key``"""
    done = subprocess.run([sys.executable, "-m", "bench.memory", system, workload_key],
                          cwd=ROOT, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(f"{system} on {workload_key}: the fit's process failed:\n"
                           f"{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def child(system, workload_key):
    import warnings

    from bench import systems, workloads

    warnings.simplefilter("ignore")
    workload = next(w for w in workloads.FIT if w.key == workload_key)
    X, y = workload.arrays()[:2]
    make = systems.make(system, workload)
    first = make()
    result = fit_added_mib(lambda: first.fit(X, y))
    if system in systems.COMPILED:
        compiled = make()
        result = dict(fit_added_mib(lambda: compiled.fit(X, y)),
                      mib_added_compiling=result["mib_added"])
    print(json.dumps(result))


# ---- the report's part ------------------------------------------------------------------

def split(groups):
    """(the memory groups, the other groups)"""
    return split_by_workload(groups, WORKLOAD_PREFIX)


def cell(entry):
    """MiB added, and the compiling first fit's beside it where there was one"""
    text = f"{entry['mib_added']:.1f}"
    if "mib_added_compiling" in entry:
        text += f" (first fit, compiling: {entry['mib_added_compiling']:.1f})"
    return text


def section(groups, table, order, labels):
    """A table of MiB added per fit workload (rows) and system (columns, in ``order``), with
    bendernet (C) over scikit-learn"""
    by_workload = {}
    for entries in groups.values():
        for system, entry in entries.items():
            by_workload.setdefault(entry["fit_workload"], {})[system] = entry
    if not by_workload:
        return []
    shown = [system for system in order
             if any(system in entries for entries in by_workload.values())]
    rows = []
    for workload, entries in by_workload.items():
        mine, theirs = entries.get("bendernet"), entries.get("sklearn")
        rows.append([workload] + [cell(entries[system]) if system in entries else "—"
                                  for system in shown] +
                    [f"{mine['mib_added'] / theirs['mib_added']:.2f}×"
                     if mine and theirs and theirs["mib_added"] > 0 else "—"])
    methods = sorted({entry["method"] for entries in by_workload.values()
                      for entry in entries.values()})
    return ["## Peak memory of one fit (MiB added to the process)", "",
            table(["Workload"] + [labels.get(system, system) for system in shown] +
                  ["bendernet (C) / scikit-learn"], rows), "",
            "Each system and workload in a fresh process: data made and estimator built "
            "first, then the resident set's high-water mark reset, one fit, and the mark "
            "after it less the resident set before (bench/memory.py); a system that compiles "
            "on its first fit is measured on its second, the first in brackets. Method: "
            f"{', '.join(methods)}" + (" (ru_maxrss keeps earlier peaks: a lower bound)."
                                       if "ru_maxrss" in methods else "."), ""]


if __name__ == "__main__":
    child(sys.argv[1], sys.argv[2])
