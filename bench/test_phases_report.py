"""bench/phases.py's table on made-up counters: its rows add up to the fit, each product
shape's rate is its FLOPs over its time. Not a benchmark: it runs in every mode."""

import pytest

from bench import phases, workloads


def made_up(key, fit_seconds, shuffle_seconds):
    """a timed child's result for workload `key`: phase p of layer l took (p + 1) * (l + 1)
    ms in one call, the epoch 1 s"""
    counters = {name: [[(p + 1) * (l + 1) * 10**6, 1] for l in range(phases.LAYERS)]
                for p, name in enumerate(phases.PHASES)}
    counters["epoch"][0] = [10**9, 1]
    return {"key": key, "threads": 1, "dtype": "float64", "peak_1": 100.0, "peak_n": 100.0,
            "shuffle_seconds": shuffle_seconds,
            "fits": [{"seconds": fit_seconds, "counters": counters}]}


def test_rows_add_up_to_the_fit():
    table, seconds = phases.rows(made_up("W5", 1.5, 0.01))
    assert seconds == 1.5
    assert sum(row[2] for row in table) == pytest.approx(1.5)
    labels = [row[0] for row in table]
    assert labels[-3].startswith("C: the rest") and labels[-1].startswith("Python: the rest")
    assert table[-1][2] == pytest.approx(1.5 - 1.0 - 0.01)


def test_a_product_rate_is_its_flops_over_its_time():
    table, _ = phases.rows(made_up("W5", 1.5, 0.01))
    first = table[0]    # layer 1's forward: phase 0, layer 0 took 1 ms
    sizes = workloads.sizes(workloads.W5)
    rows = len(workloads.W5.arrays()[0]) * workloads.W5.epochs
    assert first[2] == pytest.approx(1e-3)
    assert first[3] == 2.0 * rows * sizes[0] * sizes[1]


def test_the_median_fit_is_the_one_shown():
    entry = made_up("W1-f64", 2.0, 0.0)
    slow, fast = (dict(entry["fits"][0], seconds=s) for s in (3.0, 1.5))
    entry["fits"] = [slow, entry["fits"][0], fast]
    assert phases.rows(entry)[1] == 2.0
    assert "W1-f64, 1 thread" in phases.markdown([{"timed": entry}])
