"""The systems compared: how to build each one's estimator, and why one is unavailable.

``make(system, workload)`` returns a zero-argument constructor of an unfitted estimator, or
calls ``pytest.skip`` with the reason when the system is not installed (torch, JAX, ONNX
Runtime) or not yet on this branch (the bendernet estimators).
"""

import functools
import shutil

import pytest

SYSTEMS = ["bendernet", "bendernet-numpy", "sklearn", "torch"]
# JAX (XLA CPU): the whole fit in one jitted call, or a Python loop calling one jitted step
# per mini-batch (bench/jax_mlp.py)
JAX_SYSTEMS = ["jax", "jax-step"]
# Every system that trains (test_fit.py, test_memory.py): those above, torch.compile and JAX,
# which train only (their predictions would be another system's: no W4 or contended entry)
FIT_SYSTEMS = SYSTEMS + ["torch-compile"] + JAX_SYSTEMS
# The systems that predict (test_predict.py): ONNX Runtime runs scikit-learn's fitted W1
# model exported by skl2onnx.
PREDICTORS = SYSTEMS + ["onnxruntime"]
# every system the report shows, in its order: those above and NumPy, which the kernel
# entries (test_kernels.py) are timed against
REPORTED = FIT_SYSTEMS + ["onnxruntime", "numpy"]
LABELS = {
    "bendernet": "bendernet (C)",
    "bendernet-numpy": "bendernet (numpy backend)",
    "sklearn": "scikit-learn",
    "torch": "PyTorch CPU",
    "torch-compile": "PyTorch CPU (torch.compile)",
    "onnxruntime": "ONNX Runtime",
    "numpy": "NumPy",
    "jax": "JAX (whole fit jitted)",
    "jax-step": "JAX (per-step jit)",
}

# Rounds of one fit per system (pedantic mode); the NumPy backend is as slow as sklearn.
# A compiling system's warm-up fit compiles (its compile_seconds_), so no timed fit does; even
# the entries that skip warm-up (W2) give these one.
ROUNDS = {"bendernet": 5, "bendernet-numpy": 2, "sklearn": 3, "torch": 3, "torch-compile": 3,
          "jax": 5, "jax-step": 3}
WARMUP = {"bendernet": 1, "bendernet-numpy": 0, "sklearn": 0, "torch": 1, "torch-compile": 1,
          "jax": 1, "jax-step": 1}
COMPILED = {"torch-compile", "jax", "jax-step"}


@functools.lru_cache(maxsize=None)
def default_threads():
    """The thread count NumPy's BLAS (so scikit-learn) uses by default on this machine."""
    from threadpoolctl import threadpool_info

    blas = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    return max(blas) if blas else 1


def threads(system):
    """Threads ``system`` may use here: the C core's limit for bendernet (C), the BLAS's for
    the others (the NumPy backend and scikit-learn call it; torch is pinned to it, XLA as
    far as it can be: bench/jax_mlp.py)."""
    if system == "bendernet":
        from bendernet import _kernels

        return _kernels.max_threads()
    return default_threads()


@functools.lru_cache(maxsize=None)
def missing(system):
    """Why ``system`` cannot run here, or None when it can."""
    if system.startswith("bendernet"):
        try:
            from bendernet import MLPClassifier, MLPRegressor  # noqa: F401
        except ImportError as error:
            return f"bendernet estimators not on this branch yet ({error})"
    elif system in ("torch", "torch-compile"):
        try:
            import torch
        except ImportError:
            return "torch not installed"
        if system == "torch-compile" and not shutil.which("g++"):
            # TorchInductor compiles the C++ it generates for the CPU with g++ on Linux
            return "torch.compile's CPU code generator needs a C++ compiler (g++)"
        # Pinned to the thread count the other systems use by default (torch.compile's
        # generated code reads it too).
        torch.set_num_threads(default_threads())
    elif system == "onnxruntime":
        try:
            import onnxruntime  # noqa: F401
            import skl2onnx  # noqa: F401
        except ImportError as error:
            return f"onnxruntime or skl2onnx not installed ({error})"
    elif system in JAX_SYSTEMS:
        try:
            import bench.jax_mlp  # noqa: F401  (pins XLA's threads before jax starts)
        except ImportError:
            return "jax not installed"
    return None


def estimator_class(system, task):
    if system.startswith("bendernet"):
        import bendernet as module
    else:
        import sklearn.neural_network as module
    return module.MLPRegressor if task == "regress" else module.MLPClassifier


def require(system):
    """Skip the calling test, with the reason, when ``system`` cannot run here."""
    reason = missing(system)
    if reason:
        pytest.skip(reason)


def make(system, workload):
    """A constructor of ``system``'s unfitted estimator for ``workload``; skips if missing."""
    require(system)
    params = workload.params()
    if system == "torch":
        from bench.torch_mlp import TorchMLP

        return lambda: TorchMLP(workload.task, **params)
    if system == "torch-compile":
        from bench.torch_compiled import CompiledTorchMLP

        return lambda: CompiledTorchMLP(workload.task, **params)
    if system == "onnxruntime":
        from bench.onnx_mlp import OnnxRuntimeMLP

        sklearn_class = estimator_class("sklearn", workload.task)
        return lambda: OnnxRuntimeMLP(sklearn_class(**params), default_threads())
    if system in JAX_SYSTEMS:
        from bench.jax_mlp import JaxMLP

        return lambda: JaxMLP(workload.task, whole_fit=system == "jax", **params)
    cls = estimator_class(system, workload.task)
    if system.startswith("bendernet"):
        params["backend"] = "numpy" if system == "bendernet-numpy" else "c"
    return lambda: cls(**params)

