"""Every goal bendernet (C) is held to, in one place (issue 14): the report (bench/goals.py,
bench/widths.py) reads them from here.

A goal holds on any machine the bench runs on because it is measured against that machine in
the same run: a share of the FMA peak measured beside the entries (bench/peak.py), or a
ratio against the fastest system a user would pick instead, timed in the same group.
"""

from typing import NamedTuple, Optional

# The systems a user would pick instead of bendernet (bench/systems.py names them): the
# "fastest peer" of a workload is the one of these with the lowest median in its group.
# bendernet's own two backends are never peers.
PEERS = ["sklearn", "torch", "torch-compile", "jax", "jax-step", "onnxruntime"]

# What a goal measures (bench/goals.py computes each):
SHARE_OF_PEAK = "share of peak"    # GFLOP/s over the FMA peak for its dtype and threads, ≥
SPEED_UP = "speed-up"              # the peer's median over bendernet (C)'s, ≥
TIME_RATIO = "time ratio"          # bendernet (C)'s median over the peer's, ≤
US_PER_UPDATE = "µs per update"    # microseconds per optimizer update, ≤
VS_NUMPY = "vs NumPy"              # the lowest ops.matmul / NumPy GFLOP/s of the shapes, ≥
CONTENDED = "contended"            # fit with one core kept busy over the quiet fit, ≤
OVERSUBSCRIBED = "oversubscribed"  # fit at OMP_NUM_THREADS 8 and 16 over the default, ≤


class Goal(NamedTuple):
    workload: str  # the entries' `workload` field (a prefix for the kernel shapes)
    measure: str   # one of the names above
    target: float
    peer: Optional[str] = None  # SPEED_UP and TIME_RATIO: None is the fastest peer


# ops.matmul against NumPy at every layer shape (bench/test_kernels.py) and every width
# (bench/test_widths.py)
MATMUL_VS_NUMPY = 0.95
# The kernel entry of the 1024x1024x1024 product, float32 and float64 (bench/test_kernels.py)
KERNEL_1024 = "kernel matmul 1024^3"

GOALS = [
    Goal("W2", SHARE_OF_PEAK, 0.60),
    Goal("W2", SPEED_UP, 1.5),
    Goal("W1-f64", SHARE_OF_PEAK, 0.50),
    Goal("W1-f64", SPEED_UP, 2.5),
    Goal("W1-f32", SHARE_OF_PEAK, 0.35),
    Goal("W1-f32", SPEED_UP, 2.0),
    Goal("W5", SHARE_OF_PEAK, 0.50),
    Goal("W5", SPEED_UP, 2.0),
    Goal("W4-many", SHARE_OF_PEAK, 0.70),
    Goal("W4-many", SPEED_UP, 3.0, peer="onnxruntime"),
    Goal("W4-1", TIME_RATIO, 0.5, peer="onnxruntime"),
    Goal("W3", US_PER_UPDATE, 1.0),
    Goal("kernel matmul", VS_NUMPY, MATMUL_VS_NUMPY),
    Goal(KERNEL_1024, SHARE_OF_PEAK, 0.90),
    Goal("W1-short", CONTENDED, 2.0),
    Goal("W1-f64", OVERSUBSCRIBED, 1.1),
]

# The width cliff (issue 19, bench/widths.py): ops.matmul at least WIDTH_VS_NUMPY× NumPy's
# GFLOP/s at every width and WIDTH_VS_NEIGHBOUR× its neighbour 8 narrower; the (1024,) fit
# at least WIDTH_FIT_VS_NEIGHBOUR× the (1000,) fit's GFLOP/s.
WIDTH_VS_NUMPY = MATMUL_VS_NUMPY
WIDTH_VS_NEIGHBOUR = 0.9
WIDTH_FIT_VS_NEIGHBOUR = 0.9
