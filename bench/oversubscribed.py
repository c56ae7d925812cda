"""Oversubscription (issue 14, item 4): a W1-f64 fit with OMP_NUM_THREADS above the core
count (8 and 16) against the same fit with the default thread count.

OpenMP reads OMP_NUM_THREADS once, when the library loads, so every setting runs in a
fresh process: ``python -m bench.oversubscribed FITS`` (the setting in its environment) builds
the data, fits once untimed, then times FITS fits and prints them as JSON with the C core's
thread limit. ``measure`` runs such processes for every setting, interleaved round by round
so that a change in the machine's load falls on every setting alike.

The report's part (``split``, ``rows``, ``section``) reads the entry back.
"""

import json
import os
import subprocess
import sys

from bench.groups import split_by_workload
import time

SETTINGS = ["default", "8", "16"]   # OMP_NUM_THREADS; "default": unset
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKLOAD_PREFIX = "oversubscribed "


def environment(setting):
    """This process's environment with OMP_NUM_THREADS set to ``setting`` (or unset)"""
    env = dict(os.environ)
    env.pop("OMP_NUM_THREADS", None)
    if setting != "default":
        env["OMP_NUM_THREADS"] = setting
    return env


def run_child(setting, fits):
    """{"seconds": [one per fit], "max_threads": the C core's limit} from a fresh process"""
    done = subprocess.run([sys.executable, "-m", "bench.oversubscribed", str(fits)],
                          env=environment(setting), cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"OMP_NUM_THREADS={setting}: the fit's process failed:\n"
                           f"{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(rounds, fits):
    """{setting: {"seconds": every timed fit, "max_threads": [limit per process]}}: ``rounds``
    processes per setting, each timing ``fits`` fits, the settings taking turns"""
    results = {setting: {"seconds": [], "max_threads": []} for setting in SETTINGS}
    for _ in range(rounds):
        for setting in SETTINGS:
            child = run_child(setting, fits)
            results[setting]["seconds"] += child["seconds"]
            results[setting]["max_threads"].append(child["max_threads"])
    return results


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def slowdowns(results):
    """{setting: its median fit time over the default's} for the settings above the default"""
    default = median(results["default"]["seconds"])
    return {setting: median(results[setting]["seconds"]) / default
            for setting in SETTINGS if setting != "default"}


def child(fits):
    import warnings

    from bench import systems, workloads
    from bendernet import _kernels

    warnings.simplefilter("ignore")
    workload = workloads.W1_F64
    X, y = workload.arrays()[:2]
    make = systems.make("bendernet", workload)
    make().fit(X, y)   # warm-up: the pool's threads start, the pages are touched
    seconds = []
    for _ in range(fits):
        model = make()
        start = time.perf_counter()
        model.fit(X, y)
        seconds.append(time.perf_counter() - start)
    print(json.dumps({"seconds": seconds, "max_threads": _kernels.max_threads()}))


# ---- the report's part ------------------------------------------------------------------

def split(groups):
    """(the oversubscription groups, the other groups)"""
    return split_by_workload(groups, WORKLOAD_PREFIX)


def entry_of(groups):
    """bendernet (C)'s oversubscription entry, or None"""
    for entries in groups.values():
        if "bendernet" in entries:
            return entries["bendernet"]
    return None


def section(groups, table):
    entry = entry_of(groups)
    if entry is None:
        return []
    rows = []
    for setting in SETTINGS:
        if setting in entry["median_seconds"]:
            ratio = "—" if setting == "default" else f"{entry['slowdown'][setting]:.3g}×"
            rows.append([setting, f"{entry['median_seconds'][setting] * 1e3:.3g} ms",
                         ", ".join(str(n) for n in sorted(set(entry["max_threads"][setting]))),
                         ratio])
    return [f"## Oversubscription: {entry['fit_workload']} fit at OMP_NUM_THREADS above the "
            "core count", "",
            f"Each setting in {entry['processes']} fresh processes (OpenMP reads the variable "
            f"at load), taking turns; each process fits once untimed, then times "
            f"{entry['fits_per_process']} fits. Median of every timed fit; the C core's thread "
            "limit as each process saw it (`_kernels.max_threads()`).", "",
            table(["OMP_NUM_THREADS", "Median fit", "C core's thread limit",
                   "Over the default's time"], rows), ""]


if __name__ == "__main__":
    child(int(sys.argv[1]))
