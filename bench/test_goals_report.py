"""The goal table (bench/goals.py), the peers, oversubscription and memory sections of the
report on a made-up run: fixed numbers in a pytest-benchmark JSON, never live timing. Not a
benchmark: it runs in every mode, smoke included."""

import json

import pytest

from bench import goals, report
from bench.targets import GOALS, KERNEL_1024

PEAKS = {"float32": {"1": 100.0, "2": 200.0}, "float64": {"1": 50.0, "2": 100.0}}
QUIET = {"others_cpu": 0.02, "core_round_trip_ns": 60}


def bench(group, system, workload, median, **info):
    return {"group": group, "stats": {"median": median, "rounds": 3},
            "extra_info": dict(QUIET, system=system, workload=workload, **info)}


def fit(workload, system, median, gflops=None, dtype="float64", **info):
    extra = {"gflops": gflops} if gflops is not None else {}
    return bench(f"{workload} fit", system, workload, median, dtype=dtype, threads=2,
                 **extra, **info)


def kernel(name, system, median, workload=None, **info):
    return bench(f"kernel {name}", system, workload or f"kernel {name}", median,
                 max_rel_error=1e-16, **info)


def width_kernel(system, width, gflops):
    return {"system": system, "width": width, "gflops": gflops, "max_rel_error": 1e-7}


def made_up_run(with_1024=True, peers=True):
    entries = [
        # W1-f64: JAX the fastest peer, 2× slower than bendernet (goal 2.5×: not met);
        # 45 of 100 GFLOP/s (goal 50%: not met)
        fit("W1-f64", "bendernet", 0.14, gflops=45.0),
        fit("W1-f64", "bendernet-numpy", 0.05),   # never a peer, however fast
        fit("W1-f64", "sklearn", 1.0),
        fit("W1-f64", "jax", 0.28),
        # W2: torch the fastest of two peers at 2× (goal 1.5×: met); 130 of 200 (65%: met)
        fit("W2", "bendernet", 0.5, gflops=130.0, dtype="float32"),
        fit("W2", "sklearn", 3.0, dtype="float32"),
        fit("W2", "torch", 1.0, dtype="float32"),
        # W4: against ONNX Runtime whether or not another peer is faster
        fit("W4-many", "bendernet", 0.0108, gflops=75.0),
        fit("W4-many", "sklearn", 0.001),
        fit("W4-many", "onnxruntime", 0.033),
        fit("W4-1", "bendernet", 6.7e-6),
        fit("W4-1", "onnxruntime", 8.1e-6),
        fit("W3", "bendernet", 0.01, us_per_update=0.95),
        kernel("matmul, W1 layer 1", "bendernet", 0.9e-5, "kernel matmul W1 layer 1"),
        kernel("matmul, W1 layer 1", "numpy", 1.0e-5, "kernel matmul W1 layer 1"),
        kernel("matmul, W1 layer 2", "bendernet", 1.25e-6, "kernel matmul W1 layer 2"),
        kernel("matmul, W1 layer 2", "numpy", 1.0e-6, "kernel matmul W1 layer 2"),
        # not a matmul: left out of the matmul goal however slow
        kernel("dense forward, W1 layer 1", "bendernet", 9.0, "kernel dense forward W1 layer 1"),
        kernel("dense forward, W1 layer 1", "numpy", 1.0, "kernel dense forward W1 layer 1"),
        # one entry times the four kernels interleaved: 512 at 0.91× its neighbour 504,
        # bendernet at 1.05× and 0.98× NumPy (two more matmul shapes, both met)
        bench("width input 128x784 · 784x512 float32", "bendernet", "width input", 2.0,
              power=512, layer="input", batch=128, dtype="float32",
              kernels=[width_kernel("bendernet", 504, 110.0),
                       width_kernel("bendernet", 512, 100.0),
                       width_kernel("numpy", 504, 105.0), width_kernel("numpy", 512, 102.0)]),
        bench("width-1000-float32", "bendernet", "width fit float32", 1.0, gflops=200.0,
              dtype="float32", hidden=1000),
        bench("width-1024-float32", "bendernet", "width fit float32", 1.2, gflops=170.0,
              dtype="float32", hidden=1024),
        bench("W1-short contended", "bendernet", "W1-short", 0.010, condition="quiet"),
        bench("W1-short contended", "bendernet", "W1-short", 0.015, condition="contended"),
        bench("oversubscribed W1", "bendernet", "oversubscribed W1-f64", 20.0,
              fit_workload="W1-f64", processes=3, fits_per_process=5,
              median_seconds={"default": 0.14, "8": 0.147, "16": 0.182},
              max_threads={"default": [2, 2, 2], "8": [8, 8, 8], "16": [16, 16, 16]},
              slowdown={"8": 1.05, "16": 1.3}),
        bench("memory W2", "bendernet", "memory W2", 2.0, fit_workload="W2", mib_added=11.0,
              rss_before_mib=400.0, method="VmHWM reset"),
        bench("memory W2", "sklearn", "memory W2", 4.0, fit_workload="W2", mib_added=13.0,
              rss_before_mib=420.0, method="VmHWM reset"),
        bench("memory W2", "jax", "memory W2", 9.0, fit_workload="W2", mib_added=30.0,
              mib_added_compiling=250.0, rss_before_mib=900.0, method="VmHWM reset"),
    ]
    if with_1024:
        entries += [kernel("matmul 1024^3 float32", "bendernet", 0.0117, KERNEL_1024,
                           gflops=183.0),
                    kernel("matmul 1024^3 float32", "numpy", 0.0120, KERNEL_1024,
                           gflops=179.0)]
    info = {"cpu_model": "Made-up CPU 9000", "fma_peak_gflops": PEAKS}
    if peers:
        info["peers"] = {"sklearn": None, "torch": None, "torch-compile": "torch not installed",
                         "jax": None, "jax-step": "jax 0.10 needed", "onnxruntime": None}
    return {"machine_info": {"bendernet_bench": info}, "benchmarks": entries}


def goal_rows(tmp_path, **options):
    path = tmp_path / "run.json"
    path.write_text(json.dumps(made_up_run(**options)))
    run, groups = report.load(str(path))
    width_groups, groups = report.widths.split(groups)
    oversubscribed_groups, groups = report.oversubscribed.split(report.memory.split(groups)[1])
    rows = goals.rows(goals.Run(groups, width_groups, oversubscribed_groups, PEAKS,
                                report.seconds, report.noisy))
    return {(row[0], row[1]): row for row in rows}


def find(rows, workload, words):
    matches = [row for (name, what), row in rows.items() if name == workload and words in what]
    assert len(matches) == 1, (workload, words, list(rows))
    return matches[0]


def test_every_goal_has_a_row(tmp_path):
    rows = goal_rows(tmp_path)
    for goal in GOALS:
        assert any(name.startswith(goal.workload) for name, _ in rows), goal


def test_fit_goals_against_the_fastest_peer_and_the_peak(tmp_path):
    rows = goal_rows(tmp_path)
    w1 = find(rows, "W1-f64", "fastest peer")
    assert w1[2] == "2×" and w1[3] == "**not met**" and w1[4].startswith(goals.label("jax"))
    assert find(rows, "W1-f64", "of the FMA peak")[2].startswith("45.0%")
    assert find(rows, "W1-f64", "of the FMA peak")[3] == "**not met**"
    w2 = find(rows, "W2", "fastest peer")
    assert w2[2] == "2×" and w2[3] == "met" and w2[4].startswith("PyTorch")
    assert find(rows, "W2", "of the FMA peak")[2].startswith("65.0%")
    assert find(rows, "W2", "of the FMA peak")[3] == "met"
    assert w2[5] == "yes"   # quiet entries


def test_predict_goals_against_onnx_runtime_only(tmp_path):
    rows = goal_rows(tmp_path)
    many = find(rows, "W4-many", "speed")
    assert many[2] == "3.06×" and many[3] == "met" and "onnx" in many[4].lower()
    one = find(rows, "W4-1", "time")
    assert one[2].startswith("0.827×") and one[3] == "**not met**"
    assert find(rows, "W4-many", "of the FMA peak")[3] == "met"   # 75% ≥ 70%


def test_small_goals(tmp_path):
    rows = goal_rows(tmp_path)
    assert find(rows, "W3", "µs per update")[3] == "met"
    matmul = find(rows, "kernel matmul", "NumPy")
    # layer 2 at 0.8× is the worst of four matmul shapes, two of them widths (the dense one
    # is not counted)
    assert matmul[2].startswith("lowest 0.80×") and "3 of 4 shapes" in matmul[2]
    assert matmul[3] == "**not met**"
    assert find(rows, "W1-short", "quiet")[2] == "1.5×"
    over = find(rows, "W1-f64", "OMP_NUM_THREADS")
    assert over[2] == "8 threads 1.05×, 16 threads 1.3×" and over[3] == "**not met**"


def test_the_1024_product_share_and_its_absence(tmp_path):
    row = find(goal_rows(tmp_path), f"{KERNEL_1024} float32", "of the FMA peak")
    assert row[2].startswith("91.5%") and row[3] == "met"   # 183 of 200 (2 threads)
    row = find(goal_rows(tmp_path, with_1024=False), KERNEL_1024, "of the FMA peak")
    assert row[2] == "—" and row[3] == goals.NOT_MEASURED


def test_a_share_above_the_peak_flags_the_peak(tmp_path):
    path = tmp_path / "run.json"
    run = made_up_run()
    for entry in run["benchmarks"]:
        if entry["extra_info"]["workload"] == "W2" and "gflops" in entry["extra_info"]:
            entry["extra_info"]["gflops"] = 260.0   # of a 200 GFLOP/s peak
    path.write_text(json.dumps(run))
    _, groups = report.load(str(path))
    row = find({(r[0], r[1]): r for r in goals.rows(goals.Run(
        groups, {}, {}, PEAKS, report.seconds, report.noisy))}, "W2", "of the FMA peak")
    assert row[2].startswith("130.0%") and row[5].startswith("no (the peak was measured low")


def test_a_missing_peer_is_not_measured(tmp_path):
    path = tmp_path / "run.json"
    run = made_up_run()
    run["benchmarks"] = [entry for entry in run["benchmarks"]
                         if entry["extra_info"]["system"] != "onnxruntime"]
    path.write_text(json.dumps(run))
    _, groups = report.load(str(path))
    row = find({(r[0], r[1]): r for r in goals.rows(goals.Run(
        groups, {}, {}, PEAKS, report.seconds, report.noisy))}, "W4-1", "time")
    assert row[3] == goals.NOT_MEASURED and row[4] == f"{goals.label('onnxruntime')}: not run"


@pytest.mark.parametrize("peers", [True, False])
def test_the_report_shows_the_machine_the_peers_and_the_memory(tmp_path, peers):
    path = tmp_path / "run.json"
    path.write_text(json.dumps(made_up_run(peers=peers)))
    run, groups = report.load(str(path))
    text = report.write_markdown(run, groups, str(tmp_path / "RESULTS.md"))
    assert "Made-up CPU 9000" in text
    assert "float32 100 GFLOP/s on 1 thread, 200 GFLOP/s on 2 threads" in text
    assert "## Peers" in text and "## Oversubscription" in text
    memory = text[text.index("## Peak memory"):]
    assert "| W2 | 11.0 | 13.0 | 30.0 (first fit, compiling: 250.0) | 0.85× |" in memory
    if peers:
        assert "torch not installed" in text and "jax 0.10 needed" in text
    else:
        assert "was not recorded" in text


def test_the_width_section_reads_the_interleaved_entry(tmp_path):
    path = tmp_path / "run.json"
    path.write_text(json.dumps(made_up_run()))
    run, groups = report.load(str(path))
    width_groups, _ = report.widths.split(groups)
    assert report.widths.product_rows(width_groups) == [
        ["float32", "128x784 · 784x512", "110", "100", "0.91×", "1.05×", "0.98×"]]
    rows = {row[1]: row for row in report.widths.target_rows(width_groups)}
    assert rows["ops.matmul ≥ 0.95× NumPy at every width"][2:] == ["lowest 0.98×", "met"]
    assert rows["powers of two ≥ 0.9× their neighbour (h − 8)"][2:] == ["lowest 0.91×", "met"]
    assert rows["(1024,) ≥ 0.9× (1000,) GFLOP/s, batch 256"][2:] == ["0.85×", "**not met**"]
    text = report.write_markdown(run, groups, str(tmp_path / "RESULTS.md"))
    assert "| float32 | 128x784 · 784x512 | 110 | 100 | 0.91× | 1.05× | 0.98× |" in text
