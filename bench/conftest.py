"""Fixtures and hooks of the benchmark suite: warnings, machine record, the busy core."""

import os
import platform
import subprocess
import sys
import time

import pytest

from bench import goals, peak, systems, workloads

SIMD_FLAGS = ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512dq", "avx512bw", "avx512vl",
              "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_tile", "asimd", "sve")


def pytest_configure(config):
    # tol=0 with a bounded max_iter warns by design on every fit.
    config.addinivalue_line("filterwarnings",
                            "ignore::sklearn.exceptions.ConvergenceWarning")


def _cpu():
    model, flags = platform.processor() or platform.machine(), set()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                key, _, value = line.partition(":")
                if key.strip() == "model name":
                    model = value.strip()
                elif key.strip() in ("flags", "Features"):
                    flags = set(value.split())
    except OSError:
        pass
    return model, [flag for flag in SIMD_FLAGS if flag in flags]


def _version(module):
    try:
        return __import__(module).__version__
    except Exception:  # not installed, or broken: say so rather than fail the run
        return "not installed"


def _commit():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        return subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def pytest_benchmark_update_machine_info(config, machine_info):
    model, flags = _cpu()
    machine_info["bendernet_bench"] = {
        "cpu_model": model,
        "simd_flags": flags,
        "logical_cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "blas_threads": systems.default_threads(),
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "unset"),
        "smoke": workloads.SMOKE,
        "peers": goals.peer_reasons(),
        **_peaks(),
        "commit": _commit(),
        "versions": {"python": platform.python_version(), "numpy": _version("numpy"),
                     "sklearn": _version("sklearn"), "torch": _version("torch"),
                     "jax": _version("jax"), "bendernet": _version("bendernet"),
                     "onnxruntime": _version("onnxruntime"), "skl2onnx": _version("skl2onnx")},
    }


def _measure_peaks():
    """({dtype: {threads: GFLOP/s}} for one thread and every thread count an entry runs with,
    the CPUs other processes kept busy meanwhile), or None without bendernet's C core"""
    try:
        counts = {1, *(systems.threads(system) for system in systems.SYSTEMS
                       if not systems.missing(system))}
        start = (time.monotonic(), _busy_cpu_seconds(), _own_cpu_seconds())
        peaks = peak.measure(counts)
    except ImportError:  # bendernet not built: the report shows no shares
        return None
    busy, others = _busy_cpu_seconds(), None
    if busy is not None and start[1] is not None:
        others = (busy - start[1]) - (_own_cpu_seconds() - start[2])
        others = round(max(others, 0.0) / (time.monotonic() - start[0]), 2)
    return peaks, others


_first_peaks = []  # the measurement before the first entry, when benchmarks run


def pytest_sessionstart(session):
    if not session.config.getoption("benchmark_disable", False):
        measured = _measure_peaks()
        if measured:
            _first_peaks.append(measured)


def _peaks():
    """The machine info's peak entries, measured before the first entry and again after the
    last (the fits' own threads long stopped), the better of the two kept: fma_peak_gflops
    {dtype: {threads: GFLOP/s}}, and fma_peak_method, how (with how many CPUs other processes
    kept busy at each measurement: a busy machine lowers the peak, so raises the shares)"""
    measured = _measure_peaks()
    if measured is None:
        return {}
    runs = _first_peaks + [measured]
    method = {"seconds": peak.SECONDS, "repeats": peak.REPEATS, "vectors": _widest_vectors(),
              "others_cpu": [others for _, others in runs]}
    return {"fma_peak_gflops": peak.best(peaks for peaks, _ in runs), "fma_peak_method": method}


def _widest_vectors():
    """The instruction set the peak's loop ran: the widest this CPU runs (as peak.c picks)"""
    try:
        from bendernet import _kernels

        return _kernels.gemm_kernels_available()[-1]
    except ImportError:
        return "?"


def _busy_cpu_seconds():
    """CPU seconds every process on the machine has used since boot (Linux), or None."""
    try:
        with open("/proc/stat") as stat:
            ticks = [int(field) for field in stat.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    idle = ticks[3] + ticks[4]  # idle + iowait
    return (sum(ticks) - idle) / os.sysconf("SC_CLK_TCK")


def _own_cpu_seconds():
    """CPU seconds of this process and of its children that have ended: the entries that
    measure in fresh processes (memory, oversubscription) count their work as their own"""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


QUIET_WAIT = float(os.environ.get("BENDERNET_BENCH_QUIET_WAIT", "0") or 0)


def _others_cpu(interval=0.5):
    """CPUs kept busy by other processes over the next ``interval`` seconds."""
    busy, own = _busy_cpu_seconds(), _own_cpu_seconds()
    time.sleep(interval)
    return ((_busy_cpu_seconds() - busy) - (_own_cpu_seconds() - own)) / interval


@pytest.fixture(autouse=True)
def quiet_machine():
    """On a shared machine: before each test, wait up to BENDERNET_BENCH_QUIET_WAIT seconds
    (default 0: no wait) for other processes to leave the CPUs nearly idle."""
    if QUIET_WAIT <= 0 or _busy_cpu_seconds() is None:
        return
    deadline = time.monotonic() + QUIET_WAIT
    while _others_cpu() > 0.2 and time.monotonic() < deadline:
        pass


def _core_round_trip(tries=4):
    """Nanoseconds a cache line takes between two cores (bendernet's probe), or None without
    a second thread. This VM's host sometimes runs its two CPUs on cores far apart, for
    seconds at a time; two-thread times are then not comparable with the usual ones. The
    probe gets no answer while another library's threads hold the second core (OpenBLAS's
    and torch's spin for a while after their work): it tries again a little later."""
    from bendernet import _kernels

    for _ in range(tries):
        nanoseconds = _kernels.core_round_trip()
        if nanoseconds >= 0:
            return nanoseconds
        time.sleep(0.05)
    return None


@pytest.fixture
def record(benchmark):
    """``record(**info)``: store ``info`` in the benchmark's extra_info, plus per-unit rates.

    ``updates`` adds microseconds per optimizer update, ``flops`` adds GFLOP/s and ``rows``
    adds rows per second, each from the median (absent when benchmarks are disabled).
    ``others_cpu`` is how many CPUs other processes kept busy on average during the test
    (the contended group's spinner counts as other): a quiet measurement shows about 0.
    ``core_round_trip_ns`` is the larger of the cores' round trips before and after."""
    start = (time.monotonic(), _busy_cpu_seconds(), _own_cpu_seconds())
    trips = [_core_round_trip()]

    def store(**info):
        benchmark.extra_info.update(info)
        trips.append(_core_round_trip())
        if any(trip is not None for trip in trips):
            benchmark.extra_info["core_round_trip_ns"] = max(t for t in trips if t is not None)
        wall, busy = time.monotonic() - start[0], _busy_cpu_seconds()
        if busy is not None and start[1] is not None and wall > 0:
            others = (busy - start[1]) - (_own_cpu_seconds() - start[2])
            benchmark.extra_info["others_cpu"] = round(max(others, 0.0) / wall, 2)
        median = benchmark.stats.stats.median if benchmark.stats else None
        if not median:
            return
        if "updates" in info:
            benchmark.extra_info["us_per_update"] = median / info["updates"] * 1e6
        if "flops" in info:
            benchmark.extra_info["gflops"] = info["flops"] / median / 1e9
        if "rows" in info:
            benchmark.extra_info["rows_per_s"] = info["rows"] / median

    return store


SPIN = """
import sys, time
deadline = time.monotonic() + float(sys.argv[1])
print("spinning", flush=True)
while time.monotonic() < deadline:
    pass
"""


@pytest.fixture
def busy_core():
    """Keep one core busy with a spinning subprocess for the test, at most a few minutes.

    The spinner stops itself at its deadline even if this fixture never gets to stop it."""
    spinner = subprocess.Popen([sys.executable, "-c", SPIN, str(workloads.smoke_or(300, 30))],
                               stdout=subprocess.PIPE, text=True)
    try:
        spinner.stdout.readline()  # started, and spinning
        time.sleep(0.05)
        yield spinner
    finally:
        spinner.terminate()
        try:
            spinner.wait(timeout=5)
        except subprocess.TimeoutExpired:
            spinner.kill()
            spinner.wait()
