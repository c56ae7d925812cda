"""Two or more builds' matrix-product speeds, side by side: fresh processes of each
interpreter taking turns, each reporting the cores' distance it saw, so that rounds on cores
near and far apart (a VM's placement changes under us) are compared only with their like
(how issue 19's last changes were measured: csrc/TUNING.md).

    python bench/ab_products.py base=/work/venv-base/bin/python new=/work/venv-new/bin/python \\
        --shapes 128x1024x1024:float32 256x784x512:float64 --rounds 10

Each process times every shape (m x k x n, `ops.matmul`, default threads) in 7 blocks of
8 ms, shapes interleaved block by block, and reports each shape's median GFLOP/s (2 m k n
per product) and the largest cores' round trip it measured; the table gives, per state and
build, the median over the rounds and how many rounds saw that state.
"""

import argparse
import collections
import json
import os
import statistics
import subprocess

# the round trip above which the C core counts the cores as far apart (csrc/tuning.h)
FAR_NS = int(os.environ.get("BENDERNET_FAR_ROUND_TRIP_NS", "150"))

CHILD = """
import json, time, numpy as np
from bendernet import ops, _kernels
shapes = {shapes!r}
rng = np.random.default_rng(0)
operands = [(rng.standard_normal((m, k)).astype(dt), rng.standard_normal((k, n)).astype(dt))
            for m, k, n, dt in shapes]
for A, B in operands:
    ops.matmul(A, B)
rates = [[] for _ in shapes]
round_trip = _kernels.core_round_trip()
for _ in range(7):
    for (m, k, n, dt), (A, B), rate in zip(shapes, operands, rates):
        ops.matmul(A, B)
        calls, started = 0, time.perf_counter()
        while time.perf_counter() - started < 0.008:
            ops.matmul(A, B)
            calls += 1
        rate.append(2 * m * k * n * calls / (time.perf_counter() - started) / 1e9)
round_trip = max(round_trip, _kernels.core_round_trip())
print(json.dumps([round_trip, [float(np.median(r)) for r in rates]]))
"""


def parse_shape(text):
    size, _, dtype = text.partition(":")
    m, k, n = (int(x) for x in size.split("x"))
    return m, k, n, dtype or "float64"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("builds", nargs="+", metavar="NAME=PYTHON")
    parser.add_argument("--shapes", nargs="+", type=parse_shape, required=True,
                        metavar="MxKxN[:DTYPE]")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args(argv)
    builds = dict(build.split("=", 1) for build in args.builds)
    code = CHILD.format(shapes=args.shapes)
    rates = collections.defaultdict(list)  # (state, build, shape index) -> GFLOP/s per round
    rounds = collections.Counter()          # (state, build) -> rounds
    for turn in range(args.rounds):
        for name in list(builds) if turn % 2 == 0 else list(builds)[::-1]:
            out = subprocess.run([builds[name], "-c", code], capture_output=True, text=True,
                                 check=True).stdout
            round_trip, medians = json.loads(out)
            state = "far" if round_trip > FAR_NS else "near"
            rounds[state, name] += 1
            for i, rate in enumerate(medians):
                rates[state, name, i].append(rate)
    print("| cores | product | " + " | ".join(f"{name} GFLOP/s (rounds)" for name in builds)
          + " |")
    print("|---|---|" + "---|" * len(builds))
    for state in ("near", "far"):
        for i, (m, k, n, dtype) in enumerate(args.shapes):
            cells = [f"{statistics.median(rates[state, name, i]):.1f} ({rounds[state, name]})"
                     if rates[state, name, i] else "-" for name in builds]
            if any(cell != "-" for cell in cells):
                print(f"| {state} | {m}x{k} @ {k}x{n} {dtype} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
