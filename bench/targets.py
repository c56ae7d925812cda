"""The speed targets bendernet (C) is held to, read by the report (bench/report.py)."""

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
