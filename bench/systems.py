"""The systems compared: how to build each one's estimator, and why one is unavailable.

``make(system, workload)`` returns a zero-argument constructor of an unfitted estimator, or
calls ``pytest.skip`` with the reason when the system is not installed (torch, ONNX
Runtime) or not yet on this branch (the bendernet estimators).
"""

import functools
import shutil

import pytest

SYSTEMS = ["bendernet", "bendernet-numpy", "sklearn", "torch", "torch-compile"]
# Systems that only train (their predictions are another system's: no W4 entry), and those
# that only predict: ONNX Runtime runs scikit-learn's fitted W1 model exported by skl2onnx.
FIT_ONLY = ["torch-compile"]
PREDICT_ONLY = ["onnxruntime"]
PREDICTORS = [system for system in SYSTEMS if system not in FIT_ONLY] + PREDICT_ONLY
# every system the report shows, in its order: those above and NumPy, which the kernel
# entries (test_kernels.py) are timed against
REPORTED = SYSTEMS + PREDICT_ONLY + ["numpy"]
LABELS = {
    "bendernet": "bendernet (C)",
    "bendernet-numpy": "bendernet (numpy backend)",
    "sklearn": "scikit-learn",
    "torch": "PyTorch CPU",
    "torch-compile": "PyTorch CPU (torch.compile)",
    "onnxruntime": "ONNX Runtime",
    "numpy": "NumPy",
}

# Rounds of one fit per system (pedantic mode); the NumPy backend is as slow as sklearn.
# torch-compile's warm-up fit compiles (bench/torch_compiled.py), so no timed fit does.
ROUNDS = {"bendernet": 5, "bendernet-numpy": 2, "sklearn": 3, "torch": 3, "torch-compile": 3}
WARMUP = {"bendernet": 1, "bendernet-numpy": 0, "sklearn": 0, "torch": 1, "torch-compile": 1}


@functools.lru_cache(maxsize=None)
def default_threads():
    """The thread count NumPy's BLAS (so scikit-learn) uses by default on this machine."""
    from threadpoolctl import threadpool_info

    blas = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    return max(blas) if blas else 1


def threads(system):
    """Threads ``system`` may use here: the C core's limit for bendernet (C), the BLAS's for
    the others (the NumPy backend and scikit-learn call it; torch is pinned to it)."""
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
    cls = estimator_class(system, workload.task)
    if system.startswith("bendernet"):
        params["backend"] = "numpy" if system == "bendernet-numpy" else "c"
    return lambda: cls(**params)

