"""The machine's sustained FMA peak, measured in the same run as the fits, and each entry's
share of it.

``bendernet._kernels.fma_peak`` (csrc/runtime/peak.c) runs 12 independent chains of fused
multiply-adds on the widest vectors the CPU runs (AVX-512, else AVX2+FMA, else plain C) on
n threads of bendernet's pool at once. Each figure here is the best of REPEATS runs of
SECONDS each: the rate the machine sustains when nothing gets in its way, what no real
product can exceed.
"""

from bench import workloads

SECONDS = workloads.smoke_or(0.25, 0.02)
REPEATS = workloads.smoke_or(5, 2)
DTYPES = ("float32", "float64")
BUSY = 0.25  # CPUs used by other processes above which the peaks are flagged (as entries are)


def measure(thread_counts):
    """{dtype: {threads: GFLOP/s}} for float32 and float64 at each thread count"""
    from bendernet import _kernels

    return {dtype: {threads: max(_kernels.fma_peak(dtype, threads, SECONDS)
                                 for _ in range(REPEATS)) / 1e9
                    for threads in sorted(set(thread_counts))}
            for dtype in DTYPES}


def best(runs):
    """{dtype: {threads: the highest GFLOP/s}} over several measure() results"""
    merged = {}
    for peaks in runs:
        for dtype, by_threads in peaks.items():
            for threads, gflops in by_threads.items():
                kept = merged.setdefault(dtype, {})
                kept[threads] = max(gflops, kept.get(threads, 0.0))
    return merged


def peak_for(peaks, entry):
    """The peak (GFLOP/s) for the entry's dtype and thread count, or None. Saved runs come
    back from JSON with the thread counts as strings."""
    by_threads = peaks.get(entry.get("dtype"), {})
    threads = entry.get("threads")
    return by_threads.get(threads, by_threads.get(str(threads)))


def share(peaks, entry):
    """The entry's GFLOP/s over the peak for its dtype and threads, or None"""
    peak = peak_for(peaks, entry)
    return entry["gflops"] / peak if peak and "gflops" in entry else None


# ---- the report's part ------------------------------------------------------------------

HOW = """\
How the peak is measured: `bendernet._kernels.fma_peak` (csrc/runtime/peak.c), in the same
run as the entries, before the first and after the last, the better kept. Each thread of
bendernet's pool runs 12 independent chains of fused multiply-adds on {vectors} vectors
(the widest this CPU runs) for {seconds:g} s; the figure is all the threads' FLOPs (2 per
lane of an FMA) over the wall time of the whole, the best of {repeats} runs each time. No
product can beat it: it is what the FMA units sustain with nothing else to do. An entry's
share is its GFLOP/s over the peak for its dtype and the threads it may use (bendernet (C):
the C core's limit; the others: the BLAS's).

How an entry's GFLOP/s is counted (bench/flops.py): the FLOPs of the algorithm's matrix
products over the median time. Per row and layer of n_in inputs and n_out outputs, a fit does
2·n_in·n_out for the forward product, as many for the weights' gradient and, for every layer
but the first, as many for the deltas passed below; every row of every epoch. A prediction
does the forward products only. Element-wise work (activations, loss, optimizer) is not
counted. Every system is credited with the same count for the same workload."""


def headline(peaks):
    """The report header's line: the peak per dtype at each thread count measured"""
    if not peaks:
        return "- FMA peak: not measured in this run"
    per_dtype = []
    for dtype, by_threads in peaks.items():
        counts = sorted(by_threads, key=int)
        per_dtype.append(f"{dtype} " + ", ".join(
            f"{by_threads[t]:.4g} GFLOP/s on {t} thread{'s' * (int(t) > 1)}" for t in counts))
    return "- FMA peak measured in this run: " + "; ".join(per_dtype)


def section(peaks, method, table):
    """The report's peak section: the measured peaks and how they were measured"""
    if not peaks:
        return ["## The machine's FMA peak", "", "Not measured in this run.", ""]
    counts = sorted({int(threads) for by_threads in peaks.values() for threads in by_threads})
    rows = [[dtype] + [f"{by_threads.get(str(t), by_threads.get(t, 0)):.4g}" for t in counts]
            for dtype, by_threads in peaks.items()]
    return ["## The machine's FMA peak", "",
            table(["dtype"] + [f"{t} thread{'s' * (t > 1)} (GFLOP/s)" for t in counts], rows),
            "", HOW.format(vectors=method.get("vectors", "?"),
                           seconds=method.get("seconds", 0), repeats=method.get("repeats", "?")),
            "", quiet(method.get("others_cpu")), ""]


def quiet(others_cpu):
    """A line on how busy other processes kept the CPUs while the peak was measured (a list:
    before the first entry and after the last; one number: a run saved with one)"""
    loads = [load for load in (others_cpu if isinstance(others_cpu, list) else [others_cpu])
             if load is not None]
    if not loads:
        return "Other processes' load during the measurement: not known."
    warning = (" ⚠ The machine was busy throughout: the peaks are low (the multi-thread ones "
               "most), so the shares are high." if min(loads) > BUSY else "")
    return ("Other processes kept " + " then ".join(f"{load:.2f}" for load in loads) +
            f" CPUs busy during the measurement{'s' * (len(loads) > 1)}.{warning}")
