"""Two builds' fit times, side by side: fresh processes of each interpreter taking turns, so
that the drift of a shared machine falls on both (how the changes of bench/phases.py's
findings were kept or dropped).

    python bench/ab_fits.py /work/venv-base/bin/python /work/venv-new/bin/python \\
        --workloads W1-f64 W5 --threads 1 2 --rounds 7

Each process fits the workload once to warm up, then FITS times, and reports its best wall
time and its best CPU time (the process's: on one thread, the time it ran, which other
programs on a busy machine do not lengthen; on two, it counts a waiting thread's spin too);
the table gives, per build, the medians over the rounds of those bests and new / base.
"""

import argparse
import json
import os
import statistics
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FITS = 2

CHILD = """
import json, time, bendernet
from bench import workloads
w = {w.key: w for w in (workloads.W1_F64, workloads.W1_F32, workloads.W5, workloads.W2)}[{key!r}]
X, y = w.arrays()[:2]
cls = bendernet.MLPRegressor if w.task == "regress" else bendernet.MLPClassifier
cls(**w.params()).fit(X, y)
best = [float("inf")] * 2
for _ in range({fits}):
    started = time.perf_counter(), time.process_time()
    cls(**w.params()).fit(X, y)
    ended = time.perf_counter(), time.process_time()
    best = [min(b, e - s) for b, e, s in zip(best, ended, started)]
print(json.dumps(best))
"""


def one_fit(python, key, threads):
    """[wall, CPU]: the best of FITS fits of workload `key` in a fresh process of `python`,
    in seconds"""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS="1",
               PYTHONPATH=str(ROOT))
    out = subprocess.run([python, "-c", CHILD.replace("{key!r}", repr(key))
                          .replace("{fits}", str(FITS))], env=env, cwd="/", check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base")
    parser.add_argument("new")
    parser.add_argument("--workloads", nargs="+", default=["W1-f64", "W1-f32", "W5", "W2"])
    parser.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    print("| fit | threads | base ms | new ms | new / base | base CPU ms | new CPU ms "
          "| new / base |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for key in args.workloads:
        for threads in args.threads:
            times = {"base": [], "new": []}
            for _ in range(args.rounds):
                for name in ("base", "new"):
                    times[name].append(one_fit(getattr(args, name), key, threads))
            cells = []
            for clock in (0, 1):
                base, new = (statistics.median(t[clock] for t in times[name])
                             for name in ("base", "new"))
                cells.append(f"{base * 1e3:.1f} | {new * 1e3:.1f} | {new / base:.3f}")
            print(f"| {key} | {threads} | {' | '.join(cells)} |", flush=True)


if __name__ == "__main__":
    main()
