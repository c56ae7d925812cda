"""Out of memory is a MemoryError that leaves the model as it was, never a crash.

Every allocation of the C core goes through one wrapper (csrc/runtime/alloc.c) whose
test-only switch fails the N-th one. Each scenario below runs in a child process (a crash
there fails one test instead of killing the run) and sweeps N = 1, 2, ... until the
operation no longer meets a failure: after each failure the estimator must equal a copy
taken before, the wrapper's count of live allocations must be back where it was, and the
same estimator, the switch off, must give exactly what a run that never failed gives.
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest

CHILD = textwrap.dedent(
    """
    import copy, json, sys, warnings
    import numpy as np
    import scipy.sparse as sp
    from bendernet import MLPClassifier, MLPRegressor, _kernels, reference

    warnings.simplefilter("ignore")

    def same(a, b):
        if isinstance(a, np.ndarray):
            return (isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape
                    and np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
        if isinstance(a, np.random.RandomState):
            return same(a.get_state(legacy=False), b.get_state(legacy=False))
        if isinstance(a, (list, tuple)):
            return type(a) is type(b) and len(a) == len(b) and all(map(same, a, b))
        if isinstance(a, dict):
            return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
        if isinstance(a, _kernels.PredictPlan):   # by the parts it is made of
            return type(b) is type(a) and same(a.__reduce__()[1], b.__reduce__()[1])
        if hasattr(a, "__dict__") and not isinstance(a, type(np)):
            return type(a) is type(b) and same(vars(a), vars(b))
        return a == b or (a != a and b != b)

    def model():
        if scenario == "predict":   # wide enough for packed products
            return MLPClassifier((40, 40), max_iter=2, random_state=0)
        if scenario == "deep_predict":   # deeper than PREDICT_STACK_LAYERS (csrc/tuning.h)
            return MLPClassifier((4,) * 12, max_iter=2, random_state=0)
        if scenario == "lbfgs":
            return MLPRegressor(hidden_layer_sizes=(40,), solver="lbfgs", max_iter=4,
                                random_state=0)
        if scenario == "early_stopping":
            return MLPClassifier((7, 5), max_iter=4, batch_size=16, early_stopping=True,
                                 validation_fraction=0.5, warm_start=True, random_state=0)
        return MLPClassifier((9, 5), solver="sgd", max_iter=3, batch_size=16, random_state=0)

    def prepared():
        # the estimator as the operation finds it: fitted once unless fit starts afresh
        est = model()
        if scenario == "partial_fit":
            est.partial_fit(X, y, classes=[0, 1])
        elif scenario in ("predict", "deep_predict", "early_stopping"):
            est.fit(X, y)
            est.predict_proba(X)   # fills the network cache predict keeps
        return est

    def operate(est):
        if scenario in ("predict", "deep_predict"):
            return est.predict_proba(X)
        if scenario == "partial_fit":
            est.partial_fit(X, y)
        else:
            est.fit(X, y)
        return [est.coefs_, est.intercepts_, getattr(est, "loss_curve_", None)]

    def sweep():
        _kernels.fail_alloc_at(0)
        expected = operate(prepared())
        records = []
        for n in range(1, 40):
            est = prepared()
            # caches too, unlike a pickle; the networks' backend modules shared
            before = copy.deepcopy(dict(vars(est)), {id(m): m for m in (_kernels, reference)})
            _kernels.release_scratch()
            live = _kernels.alloc_counts()[1]
            _kernels.fail_alloc_at(n)
            try:
                result = operate(est)
            except MemoryError as error:
                made = _kernels.alloc_counts()[0]
                _kernels.fail_alloc_at(0)
                _kernels.release_scratch()
                records.append({
                    "n": n, "made": made, "message": str(error),
                    "unchanged": same(before, vars(est)),
                    "balanced": _kernels.alloc_counts()[1] == live,
                    "usable": same(expected, operate(est)),
                })
                continue
            _kernels.fail_alloc_at(0)
            records.append({"n": n, "completed": True, "same_result": same(expected, result)})
            break
        return records

    sweeps = {}
    for scenario, dtype, sparse in json.loads(sys.argv[1]):
        rng = np.random.RandomState(0)
        X = rng.rand(70, 6).astype(dtype)
        y = (X[:, 0] + X[:, 1] > 1).astype(int)
        if sparse == "sparse":
            X[X < 0.5] = 0
            X = sp.csr_matrix(X)
        sweeps[" ".join((scenario, dtype, sparse))] = sweep()
    print(json.dumps(sweeps))
    """
)

SCENARIOS = [
    ("fit", "float64", "dense"), ("fit", "float32", "dense"), ("fit", "float64", "sparse"),
    ("partial_fit", "float64", "dense"), ("partial_fit", "float32", "sparse"),
    ("predict", "float64", "dense"), ("predict", "float32", "sparse"),
    ("deep_predict", "float64", "dense"),
    ("lbfgs", "float64", "dense"), ("early_stopping", "float32", "dense"),
]


def run_child(args, threads=1, extra_env=None, code=CHILD):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), **(extra_env or {}))
    done = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


# Two threads change only the fits' paths: a layer's two backward products as tasks
THREADED = [scenario for scenario in SCENARIOS if scenario[0] in ("fit", "early_stopping")]


@pytest.fixture(scope="module")
def sweeps():
    """The records of every scenario's sweep, by thread count: one child per count"""
    return {threads: json.loads(run_child([json.dumps(scenarios)], threads))
            for threads, scenarios in ((1, SCENARIOS), (2, THREADED))}


@pytest.mark.parametrize("threads, scenario",
                         [(1, s) for s in SCENARIOS] + [(2, s) for s in THREADED])
def test_every_allocation_failure_is_a_clean_memory_error(sweeps, threads, scenario):
    *failures, last = sweeps[threads][" ".join(scenario)]
    assert failures, "the operation allocated nothing in C: the sweep tested nothing"
    assert last.get("completed") and last["same_result"]
    for record in failures:
        assert "could not allocate" in record["message"]
        assert record["made"] == record["n"]
        assert record["unchanged"], f"allocation {record['n']} changed the estimator"
        assert record["balanced"], f"allocation {record['n']} leaked"
        assert record["usable"], f"after allocation {record['n']} the estimator differs"


def test_a_fit_allocates_only_before_its_first_step():
    """The epoch takes its memory before its first step: a fit of 3 epochs, with a short
    last batch, allocates the thread's kept scratch and its record of it once, and each
    epoch its per-layer views (network/layout.c), nothing a batch."""
    code = textwrap.dedent(
        """
        import warnings
        import numpy as np
        from bendernet import MLPRegressor, _kernels
        warnings.simplefilter("ignore")
        rng = np.random.RandomState(0)
        X, y = rng.rand(203, 31), rng.rand(203)
        for units in [(5,), (64, 48), (300,)]:
            _kernels.release_scratch()
            _kernels.fail_alloc_at(0)
            MLPRegressor(hidden_layer_sizes=units, max_iter=3, batch_size=50,
                         random_state=0).fit(X, y)
            print(_kernels.alloc_counts()[0])
        """
    )
    for threads in (1, 2):
        assert run_child([], threads, code=code).split() == ["5", "5", "5"]   # 2 + 3 epochs


def test_the_environment_variable_fails_the_nth_allocation():
    code = textwrap.dedent(
        """
        import numpy as np
        from bendernet import MLPClassifier, _kernels
        X = np.random.RandomState(0).rand(20, 3)
        try:
            MLPClassifier((4,), max_iter=2).fit(X, X[:, 0] > 0.5)
        except MemoryError as error:
            print(_kernels.alloc_counts()[0], error)
        """
    )
    out = run_child([], extra_env={"BENDERNET_FAIL_ALLOC_AT": "2"}, code=code)
    assert out.startswith("2 bendernet: the C core could not allocate")
