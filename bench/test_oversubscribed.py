"""Oversubscription (issue 14, item 4): W1-f64 fits with OMP_NUM_THREADS at 8 and 16 against
the default thread count, each setting in fresh processes (bench/oversubscribed.py). One
entry; its time is the whole measurement's, the fits' own medians are in its record."""

from bench import oversubscribed, systems, workloads

PROCESSES = workloads.smoke_or(3, 1)   # per setting
FITS = workloads.smoke_or(5, 1)        # timed fits per process, after one untimed


def test_oversubscribed(benchmark, record):
    systems.require("bendernet")
    workload = workloads.W1_F64
    benchmark.group = (f"oversubscribed: {workload.group}, OMP_NUM_THREADS default, "
                       f"{', '.join(oversubscribed.SETTINGS[1:])}")
    results = benchmark.pedantic(oversubscribed.measure, args=(PROCESSES, FITS), rounds=1,
                                 iterations=1, warmup_rounds=0)
    for setting, result in results.items():
        assert len(result["seconds"]) == PROCESSES * FITS, setting
    record(system="bendernet", workload=oversubscribed.WORKLOAD_PREFIX + workload.key,
           fit_workload=workload.key, processes=PROCESSES, fits_per_process=FITS,
           median_seconds={setting: oversubscribed.median(result["seconds"])
                           for setting, result in results.items()},
           max_threads={setting: result["max_threads"] for setting, result in results.items()},
           slowdown=oversubscribed.slowdowns(results))
