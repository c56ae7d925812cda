"""Every speed target bendernet (C) is held to, in one place: the report (bench/report.py,
bench/widths.py) reads them from here."""

# (workload, what, baseline, target): bendernet (C) against the baseline's median.
TARGETS = [
    ("W1-f64", "fit ≥ 8× sklearn", "sklearn", 8),
    ("W1-f32", "fit ≥ 12× sklearn", "sklearn", 12),
    ("W2", "fit ≥ 4.5× sklearn", "sklearn", 4.5),
    ("W2", "fit ≥ 2.5× torch", "torch", 2.5),
    ("W3", "time per update ≥ 30× sklearn", "sklearn", 30),
    ("W4-1", "1 row in ≤ 1/8 of sklearn's time", "sklearn", 8),
    ("W4-many", "many rows: ≥ 5× sklearn's throughput", "sklearn", 5),
    ("W5", "fit ≥ 6× sklearn", "sklearn", 6),
]
# W1 with the other core kept busy: at most this many times its quiet time, bendernet (C)
CONTENDED_TARGET = 2.0

# (workload, what, share): bendernet (C)'s GFLOP/s (bench/flops.py counts) at least
# this share of the FMA peak for its dtype and thread count (bench/peak.py).
# Set about a fifth below a quiet run on 2 cores of AMD Zen 5 (2026-12-07: W1 f64 31%, f32 24%,
# W2 51%, W5 35%, W4-many 49%), so that a slowdown shows.
PEAK_TARGETS = [
    ("W1-f64", "fit ≥ 25% of peak", 0.25),
    ("W1-f32", "fit ≥ 20% of peak", 0.20),
    ("W2", "fit ≥ 40% of peak", 0.40),
    ("W5", "fit ≥ 30% of peak", 0.30),
    ("W4-many", "predict ≥ 40% of peak", 0.40),
]

# The width cliff (issue 19, bench/widths.py): ops.matmul at least WIDTH_VS_NUMPY× NumPy's
# GFLOP/s at every width and WIDTH_VS_NEIGHBOUR× its neighbour 8 narrower; the (1024,) fit
# at least WIDTH_FIT_VS_NEIGHBOUR× the (1000,) fit's GFLOP/s.
WIDTH_VS_NUMPY = 0.95
WIDTH_VS_NEIGHBOUR = 0.9
WIDTH_FIT_VS_NEIGHBOUR = 0.9
