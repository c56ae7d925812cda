"""Where a fit's time goes: per phase of the training step and per product shape, each
product's GFLOP/s against the machine's FMA peak (issue 14, item 3).

How: bendernet built with the CMake option BN_PHASE_TIMES (``--build`` below) reads the
monotonic clock around every phase of the training step (csrc/network/phase_times.h) and
adds the nanoseconds up per phase and layer; the default build compiles none of it. A child
process per (workload, threads) fits the workload once to warm up, then ROUNDS times, taking
the counters after each fit (through ctypes), and times the same fits on the installed,
untimed build for the clocks' own cost. The parts are the phases of the C epoch; what the
C epoch spends outside them ("C: the rest": laying out the views, the loop, the chain's
hand-overs) and what the fit spends outside the C epochs ("Python", which holds the
per-epoch shuffle, timed apart on the same arrays) are the gap, shown as rows of their own.

    python bench/phases.py --build            # once: the timed build, into build/phases
                                              # (--timed-build DIR: elsewhere)
    python bench/phases.py                    # W1-f64, W1-f32, W5, W2; 1 and 2 threads
    python bench/phases.py --workloads W1-f64 --threads 1 --rounds 3 --json phases.json
"""

import argparse
import ctypes
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import workloads  # noqa: E402

TIMED_BUILD = ROOT / "build" / "phases"
WORKLOADS = {w.key: w for w in (workloads.W1_F64, workloads.W1_F32, workloads.W5, workloads.W2)}
ROUNDS = 5
PEAK_SECONDS = 0.25  # as bench/peak.py: the best of 5 runs of 0.25 s
PEAK_REPEATS = 5

# enum bn_phase of csrc/network/phase_times.h, in its order
PHASES = ["forward", "output", "loss", "backward", "weight_product", "bias_sums",
          "delta_product", "activation", "finish", "optimizer", "epoch"]
LAYERS = 8


def build(target=TIMED_BUILD):
    """Installs bendernet with BN_PHASE_TIMES into target (no dependencies)."""
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--upgrade",
                    "--target", str(target), "-Ccmake.define.BN_PHASE_TIMES=ON", str(ROOT)],
                   check=True)


# ---- the child: fits and counters ----------------------------------------------------------

def _take_counters(kernels_file):
    """{phase: [(ns, calls) per layer]} since the last take, or None for an untimed build"""
    library = ctypes.CDLL(kernels_file)
    try:
        take = library.bn_phase_times_take
    except AttributeError:
        return None
    take.restype = ctypes.c_int64
    values = (ctypes.c_int64 * (2 * len(PHASES) * LAYERS))()
    if take(values, len(values)) < 0:
        raise RuntimeError("bn_phase_times_take: the buffer is too small")
    per = len(PHASES) * LAYERS
    return {phase: [(values[p * LAYERS + l], values[per + p * LAYERS + l])
                    for l in range(LAYERS)] for p, phase in enumerate(PHASES)}


def _shuffle_seconds(n_samples, epochs):
    """What the fit's per-epoch shuffles cost: scikit-learn's shuffle of the sample index"""
    random_state = np.random.RandomState(workloads.SEED)
    index = np.arange(n_samples)
    started = time.perf_counter()
    for _ in range(epochs):
        random_state.shuffle(index)
    return time.perf_counter() - started


def _peaks(dtype, threads):
    """[GFLOP/s on 1 thread, on `threads`]: the best of PEAK_REPEATS runs each"""
    from bendernet import _kernels

    return [max(_kernels.fma_peak(dtype, t, PEAK_SECONDS) for _ in range(PEAK_REPEATS)) / 1e9
            for t in (1, threads)]


def child(key, rounds):
    """One process's measurements of workload ``key``, as a JSON-able dict."""
    import bendernet
    from bendernet import _kernels

    workload = WORKLOADS[key]
    X, y = workload.arrays()[:2]
    cls = bendernet.MLPRegressor if workload.task == "regress" else bendernet.MLPClassifier
    dtype = np.dtype(workload.dtype).name
    threads = _kernels.max_threads()
    peaks = _peaks(dtype, threads)
    cls(**workload.params()).fit(X, y)  # warm-up
    _take_counters(_kernels.__file__)
    fits = []
    for _ in range(rounds):
        started = time.perf_counter()
        cls(**workload.params()).fit(X, y)
        seconds = time.perf_counter() - started
        fits.append({"seconds": seconds, "counters": _take_counters(_kernels.__file__)})
    peaks_after = _peaks(dtype, threads)
    return {"key": key, "threads": threads, "dtype": dtype, "fits": fits,
            "peak_1": max(peaks[0], peaks_after[0]), "peak_n": max(peaks[1], peaks_after[1]),
            "shuffle_seconds": _shuffle_seconds(len(X), workload.epochs),
            "module": bendernet.__file__}


def run_child(key, threads, rounds, timed, timed_build=TIMED_BUILD):
    """child() in a fresh process on `threads` threads, on the timed build or the installed"""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS="1")
    if timed:
        env["PYTHONPATH"] = os.pathsep.join([str(timed_build), str(ROOT)])
    else:
        env["PYTHONPATH"] = str(ROOT)
    code = f"import json, bench.phases as p; print(json.dumps(p.child({key!r}, {rounds})))"
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd="/", check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


# ---- the table -------------------------------------------------------------------------------

def _median_fit(fits):
    """the fit of the median time (the lower middle of an even count)"""
    ordered = sorted(fits, key=lambda fit: fit["seconds"])
    return ordered[(len(ordered) - 1) // 2]


def rows(timed):
    """[(label, shape, seconds, GFLOP/s or None)] of the median timed fit, parts then gap;
    the seconds add up to the fit's."""
    workload = WORKLOADS[timed["key"]]
    sizes = workloads.sizes(workload)
    samples = len(workload.arrays()[0]) * workload.epochs  # rows through each layer
    fit = _median_fit(timed["fits"])
    counters = fit["counters"]

    def ns(phase, layer):
        return counters[phase][layer][0] * 1e-9

    out = []
    for l in range(len(sizes) - 1):
        k, n = sizes[l], sizes[l + 1]
        flops = 2.0 * samples * k * n
        out.append((f"forward product + bias + f, layer {l + 1}" +
                    (" (X gathered)" if l == 0 else ""), f"m x {k} @ {k} x {n}",
                    ns("forward", l), flops))
    out.append(("output activation", f"m x {sizes[-1]}", ns("output", 0), None))
    out.append(("loss and output delta", f"m x {sizes[-1]}", ns("loss", 0), None))
    for l in reversed(range(len(sizes) - 1)):
        k, n = sizes[l], sizes[l + 1]
        flops = 2.0 * samples * k * n
        parts = ns("weight_product", l) + ns("bias_sums", l) + ns("delta_product", l)
        gathered = " (X gathered)" if l == 0 else ""
        out.append((f"weight-gradient product, layer {l + 1}{gathered}",
                    f"{k} x m @ m x {n}", ns("weight_product", l), flops))
        out.append((f"bias sums, layer {l + 1}", f"m x {n}", ns("bias_sums", l), None))
        if l > 0:
            out.append((f"delta product, layer {l + 1}", f"m x {n} @ {n} x {k}",
                        ns("delta_product", l), flops))
        out.append((f"backward hand-over, layer {l + 1} (wall - parts)", "",
                    ns("backward", l) - parts, None))
        if l > 0:
            out.append((f"activation derivative, layer {l}", f"m x {k}", ns("activation", l),
                        None))
    out.append(("gradient finish (penalty, mean, norm)", "", ns("finish", 0), None))
    out.append(("optimizer step (Adam)", "", ns("optimizer", 0), None))
    epoch = ns("epoch", 0)
    parts = sum(row[2] for row in out)
    out.append(("C: the rest of the epoch (views, loop, chain)", "", epoch - parts, None))
    shuffle = timed["shuffle_seconds"]
    out.append(("Python: per-epoch shuffle (timed apart)", "", shuffle, None))
    out.append(("Python: the rest (validation, init, epoch loop)", "",
                fit["seconds"] - epoch - shuffle, None))
    return out, fit["seconds"]


def markdown_table(timed, untimed=None):
    """One workload at one thread count as a markdown table with a line above it"""
    table, seconds = rows(timed)
    peak_1, peak_n, threads = timed["peak_1"], timed["peak_n"], timed["threads"]
    workload = WORKLOADS[timed["key"]]
    flops = workloads.fit_flops(workload)
    head = (f"**{timed['key']}, {threads} thread{'s' if threads > 1 else ''}**: median fit "
            f"{seconds * 1e3:.1f} ms of {len(timed['fits'])} (timed build)")
    if untimed:
        plain = statistics.median(fit["seconds"] for fit in untimed["fits"])
        head += f", {plain * 1e3:.1f} ms untimed"
    head += (f"; {flops / seconds / 1e9:.1f} GFLOP/s = {flops / seconds / 1e9 / peak_n:.0%} "
             f"of the peak ({peak_n:.0f} GFLOP/s {timed['dtype']} on {threads}, "
             f"{peak_1:.0f} on 1).")
    lines = [head, "",
             "| phase | shape | ms | share | GFLOP/s | % of 1-core peak |",
             "|---|---|---:|---:|---:|---:|"]
    for label, shape, part, part_flops in table:
        rate = part_flops / part / 1e9 if part_flops and part > 0 else None
        lines.append(f"| {label} | {shape} | {part * 1e3:.1f} | {part / seconds:.1%} | "
                     + (f"{rate:.0f} | {rate / peak_1:.0%} |" if rate else " | |"))
    product = sum(part for _, _, part, part_flops in table if part_flops)
    lines.append(f"| **products** | | {product * 1e3:.1f} | {product / seconds:.1%} | "
                 f"{flops / product / 1e9:.0f} | {flops / product / 1e9 / peak_1:.0%} |")
    lines.append(f"| **whole fit** | | {seconds * 1e3:.1f} | 100% | | |")
    return "\n".join(lines)


def markdown(results):
    """The report's section: every (workload, threads) measured, in order"""
    parts = ["## Where the fit's time goes", "", __doc__.split("\n\n")[1].replace("\n", " "),
             ""]
    for entry in results:
        parts += [markdown_table(entry["timed"], entry.get("untimed")), ""]
    return "\n".join(parts)


def measure(keys, thread_counts, rounds, timed_build=TIMED_BUILD):
    """[{timed, untimed}] for each workload and thread count, timed and untimed builds in
    alternate fresh processes"""
    results = []
    for key in keys:
        for threads in thread_counts:
            untimed = run_child(key, threads, rounds, timed=False)
            timed = run_child(key, threads, rounds, timed=True, timed_build=timed_build)
            if timed["fits"][0]["counters"] is None:
                raise SystemExit("the timed build is missing: run python bench/phases.py --build")
            results.append({"timed": timed, "untimed": untimed})
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", action="store_true", help="build the timed bendernet first")
    parser.add_argument("--timed-build", type=Path, default=TIMED_BUILD,
                        help="where the timed build is (or --build puts it)")
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOADS))
    parser.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--json", help="also save the measurements here")
    parser.add_argument("--from-json", help="render saved measurements instead of measuring")
    args = parser.parse_args(argv)
    if args.from_json:
        results = json.loads(Path(args.from_json).read_text())
    else:
        if args.build:
            build(args.timed_build)
        results = measure(args.workloads, args.threads, args.rounds, args.timed_build)
        if args.json:
            Path(args.json).write_text(json.dumps(results))
    print(markdown(results))


if __name__ == "__main__":
    main()
