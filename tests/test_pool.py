"""The C core's worker threads (csrc/runtime/pool.c): their number follows OpenMP's limit, callers
in many Python threads share them, a forked child gets its own, predict's chunks run on them
to the bits of one thread, and whether a fit uses them follows the cores' measured distance
(csrc/runtime/core_distance.c), tested over measurements fed to it: no test here depends on
how busy the machine is (the suite also runs with every core busy, tools/busy.py)."""

import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from bendernet import MLPClassifier, _kernels
from bendernet._network import PREDICT_CHUNK_ROWS, layer_input

# 2 * 300 * 200 * 400 = 48 MFLOP: large enough that the product asks for every thread
M, N, K = 300, 200, 400


def operands(seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((M, K)).astype(dtype), rng.standard_normal((K, N)).astype(dtype)


def product(A, B):
    C = np.empty((A.shape[0], B.shape[1]), A.dtype)
    _kernels.gemm(C, A, B)
    return C


def run_python(code, timeout=120, **env):
    return subprocess.run([sys.executable, "-c", code], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=timeout, check=True).stdout


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads in /proc")
@pytest.mark.parametrize("omp_num_threads,new_threads", [("1", 0), ("2", 1)])
def test_worker_threads_follow_omp_num_threads(omp_num_threads, new_threads):
    code = f"""
import os, numpy as np
from bendernet import MLPClassifier, _kernels
from bendernet._network import PREDICT_CHUNK_ROWS
A, B = np.ones(({M}, {K})), np.ones(({K}, {N}))
C = np.empty(({M}, {N}))
before = len(os.listdir("/proc/self/task"))
_kernels.gemm(C, A, B)
assert (C == {K}).all()
print(len(os.listdir("/proc/self/task")) - before)
"""
    assert int(run_python(code, OMP_NUM_THREADS=omp_num_threads)) == new_threads


def test_callers_in_many_threads_get_a_lone_callers_bits():
    # one caller holds the workers at a time; the others run their products alone
    cases = [operands(seed, dtype) for seed in range(4) for dtype in (np.float32, np.float64)]
    expected = [product(A, B) for A, B in cases]
    results = [[None] * 10 for _ in cases]

    def work(i):
        for r in range(10):
            results[i][r] = product(*cases[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(cases))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for want, got in zip(expected, results):
        for C in got:
            assert np.array_equal(C, want)


def test_threads_and_one_thread_agree_while_the_workers_are_busy_elsewhere():
    A, B = operands(5)
    with threadpool_limits(limits=1, user_api="openmp"):
        alone = product(A, B)
    done = threading.Event()

    def keep_busy():
        while not done.is_set():
            product(*operands(6))

    other = threading.Thread(target=keep_busy)
    other.start()
    try:
        for _ in range(20):
            assert np.array_equal(product(A, B), alone)
    finally:
        done.set()
        other.join()


@pytest.mark.skipif(not hasattr(os, "fork") or not os.path.isdir("/proc/self/task"),
                    reason="needs fork, and counts threads in /proc")
def test_a_forked_child_multiplies_with_threads_of_its_own():
    # the parent's worker exists (and may hold the pool's lock) when it forks; the child has
    # no worker, must neither hang nor compute wrongly, and starts one of its own
    code = f"""
import os, threading, numpy as np
from bendernet import MLPClassifier, _kernels
from bendernet._network import PREDICT_CHUNK_ROWS
rng = np.random.default_rng(0)
A, B = rng.standard_normal(({M}, {K})), rng.standard_normal(({K}, {N}))
def product():
    C = np.empty(({M}, {N}))
    _kernels.gemm(C, A, B)
    return C
expected = product()
stop = threading.Event()
def busy():
    while not stop.is_set():
        product()
worker = threading.Thread(target=busy)
worker.start()
statuses = []
for _ in range(5):
    pid = os.fork()
    if pid == 0:
        before = len(os.listdir("/proc/self/task"))
        ok = all(np.array_equal(product(), expected) for _ in range(3))
        started = len(os.listdir("/proc/self/task")) - before
        os._exit(0 if ok and started == 1 else 3)
    statuses.append(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
stop.set()
worker.join()
print(statuses)
"""
    assert run_python(code, timeout=60).strip() == "[0, 0, 0, 0, 0]"


def share_of(tasks, n_tasks, n_shares):
    """the share each task belongs to: share s holds [s n / S, (s + 1) n / S)"""
    ends = [(s + 1) * n_tasks // n_shares for s in range(n_shares)]
    return np.searchsorted(ends, tasks, side="right")


# (tasks, workers asked for): none, one, fewer tasks than workers, uneven shares, workers
# beyond the pool's cap of 63
@pytest.mark.parametrize("n_tasks,n_workers", [(0, 2), (1, 2), (9, 1), (8, 2), (13, 2),
                                               (3, 5), (200, 2), (50, 70)])
def test_tasks_dealt_in_shares_run_once_each_in_order_within_a_share(n_tasks, n_workers):
    # the matrix product's slices deal their pieces so (csrc/runtime/shares.c): whoever runs
    # a task, and however the workers come, every task runs once, and each worker takes the
    # tasks of any one share in order (the first deal may start the pool's threads)
    _kernels.deal_by_shares(n_tasks, n_workers, spin=20000)
    runs, worker, position = _kernels.deal_by_shares(n_tasks, n_workers, spin=20000)
    assert (runs == 1).all()
    assert ((worker >= 0) & (worker < max(1, min(n_workers, 63)))).all()
    n_shares = min(n_workers, 63) if n_workers > 1 and n_tasks > 1 else 1
    share = share_of(np.arange(n_tasks), n_tasks, n_shares)
    for w in np.unique(worker):
        mine = np.flatnonzero(worker == w)
        mine = mine[np.argsort(position[mine])]
        assert (np.sort(position[mine]) == np.arange(len(mine))).all()
        for s in np.unique(share[mine]):
            in_share = mine[share[mine] == s]
            assert (np.diff(in_share) > 0).all()


def test_tasks_dealt_to_one_worker_run_in_order():
    runs, worker, position = _kernels.deal_by_shares(17, 1)
    assert (runs == 1).all() and (worker == 0).all()
    assert (position == np.arange(17)).all()


def test_dealing_refuses_negative_counts():
    with pytest.raises(ValueError, match="n_tasks"):
        _kernels.deal_by_shares(-1, 2)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_predict_chunks_on_threads_match_one_thread(dtype):
    rng = np.random.default_rng(8)
    X = rng.standard_normal((300, 20)).astype(dtype)
    y = rng.integers(0, 3, 300)
    model = MLPClassifier(hidden_layer_sizes=(30,), max_iter=5, random_state=0).fit(X, y)
    many = rng.standard_normal((3 * PREDICT_CHUNK_ROWS + 17, 20)).astype(dtype)
    with threadpool_limits(limits=1, user_api="openmp"):
        alone = model.predict_proba(many)
    with threadpool_limits(limits=2, user_api="openmp"):
        threaded = model.predict_proba(many)
    assert np.array_equal(threaded, alone)
    np.testing.assert_allclose(alone.sum(axis=1), 1, rtol=1e-5)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("solver", ["adam", "sgd"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fits_on_one_and_two_threads_are_bitwise_equal(solver, dtype):
    # 600 x 256 weights: threaded products and a threaded optimizer step (past 4 chunks)
    rng = np.random.default_rng(9)
    X = rng.standard_normal((400, 600)).astype(dtype)
    y = rng.integers(0, 4, 400)
    fits = []
    for threads in (1, 2):
        with threadpool_limits(limits=threads, user_api="openmp"):
            fits.append(MLPClassifier(hidden_layer_sizes=(256,), solver=solver, batch_size=128,
                                      max_iter=3, random_state=0).fit(X, y))
    one, two = fits
    assert one.loss_curve_ == two.loss_curve_
    for a, b in zip(one.coefs_ + one.intercepts_, two.coefs_ + two.intercepts_):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_layers_two_gradients_side_by_side_match_one_thread(dtype):
    # 200 x 10 outputs over 100 inputs: two 0.4 MFLOP products, which run as two tasks
    rng = np.random.default_rng(10)
    X = rng.standard_normal((300, 100)).astype(dtype)
    rows = rng.permutation(300)[:200]
    W, dV = (rng.standard_normal(shape).astype(dtype) for shape in ((100, 10), (200, 10)))
    results = []
    for threads in (1, 2, 2):
        dW, db, dX = np.empty((100, 10), dtype), np.empty(10, dtype), np.empty((200, 100), dtype)
        with threadpool_limits(limits=threads, user_api="openmp"):
            _kernels.dense_backward(dW, db, dX, dV, *layer_input(X, dtype), rows, W)
        results.append((dW, db, dX))
    for threaded in results[1:]:
        assert all(np.array_equal(a, b) for a, b in zip(results[0], threaded))
    tol = 1e-4 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(results[0][0], X[rows].T @ dV, rtol=tol, atol=tol)
    np.testing.assert_allclose(results[0][2], dV @ W.T, rtol=tol, atol=tol)


# The thread-placement decision (csrc/runtime/core_distance.c) is tested over measurements
# fed to it: what the live machine measures depends on its load, which is no test's business.
# Worked example: this project's machine measured 50-70 ns between its two cores most of the
# time and 320-340 ns for seconds at a time; while busy elsewhere it gives no answer (-1).
LIMIT = 150


@pytest.mark.parametrize("was_far_apart,round_trip,limit,far_apart", [
    (False, 60, LIMIT, False),          # near
    (False, 330, LIMIT, True),          # far
    (True, 60, LIMIT, False),           # near again: two threads come back
    (True, 330, LIMIT, True),
    (False, -1, LIMIT, False),          # no answer keeps the last one
    (True, -1, LIMIT, True),
    (True, -1, 10**9, True),            # whatever the limit
    (False, LIMIT, LIMIT, False),       # the limit's edge: far is above it
    (False, LIMIT + 1, LIMIT, True),
    (True, LIMIT, LIMIT, False),
    (False, 0, 0, False),               # BENDERNET_FAR_ROUND_TRIP_NS=0: any time at all is far
    (False, 1, 0, True),
    (True, 10**6, 10**9, False),        # a huge limit: never far
])
def test_cores_are_far_apart_after_a_round_trip_above_the_limit(was_far_apart, round_trip,
                                                                 limit, far_apart):
    assert _kernels.far_apart_after(was_far_apart, round_trip, limit) is far_apart


def test_far_apart_follows_a_machines_answers_through_a_busy_spell():
    answers = [55, 70, 330, -1, -1, 340, -1, 60, -1]
    far_apart, states = False, []
    for round_trip in answers:
        far_apart = _kernels.far_apart_after(far_apart, round_trip, LIMIT)
        states.append(far_apart)
    assert states == [False, False, True, True, True, True, True, False, False]


@pytest.mark.parametrize("wanted,in_chain,far_apart,threads", [
    (2, True, True, 1),                 # a fit's steps keep to one thread while far apart
    (4, True, True, 1),
    (2, True, False, 2),                # ... and use them all while near
    (4, True, False, 4),
    (2, False, True, 2),                # a lone product shares out even while far apart
    (4, False, False, 4),
    (1, True, True, 1),                 # one wanted is one given
    (1, False, False, 1),
])
def test_only_chains_of_steps_keep_to_one_thread_while_the_cores_are_far_apart(
        wanted, in_chain, far_apart, threads):
    assert _kernels.threads_for_product(wanted, in_chain, far_apart) == threads


def test_core_round_trip_is_measured_between_two_threads():
    # The one live check: the measurement runs and its fastest answer is a cache line's
    # round trip (well under 100 us; 16 rounds stretched by a preemption can be slower).
    # A busy machine may give no answer for a while: we ask for up to a second.
    with threadpool_limits(limits=1, user_api="openmp"):
        assert _kernels.core_round_trip() == -1          # no second thread to ask
    answers, give_up = [], time.monotonic() + 1
    with threadpool_limits(limits=2, user_api="openmp"):
        while sum(answer > 0 for answer in answers) < 5 and time.monotonic() < give_up:
            answers.append(_kernels.core_round_trip())
    assert all(answer == -1 or answer > 0 for answer in answers), answers
    measured = [answer for answer in answers if answer > 0]
    if not measured:
        pytest.skip(f"the machine is busy: no pool thread answered in {len(answers)} tries")
    assert min(measured) < 100_000, measured


WORK = {
    # products of 2 x 200 x 300 x 256 = 31 MFLOP, each asking for two threads
    "fit": """
rng = np.random.default_rng(0)
X, y = rng.standard_normal((2000, 300)), rng.integers(0, 2, 2000)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    MLPClassifier(hidden_layer_sizes=(256,), batch_size=200, max_iter=2, random_state=0).fit(X, y)
""",
    "lone products": f"""
A, B, C = np.ones(({M}, {K})), np.ones(({K}, {N})), np.empty(({M}, {N}))
for _ in range(3):
    _kernels.gemm(C, A, B)
""",
}


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads in /proc")
@pytest.mark.parametrize("work,environment,threads_started", [
    ("fit", {"BENDERNET_CORE_ROUND_TRIP_NS": "330"}, 0),      # far apart: one thread
    ("fit", {"BENDERNET_CORE_ROUND_TRIP_NS": "60"}, 1),       # near
    ("fit", {"BENDERNET_CORE_ROUND_TRIP_NS": "330", "BENDERNET_FAR_ROUND_TRIP_NS": "1000"}, 1),
    ("lone products", {"BENDERNET_CORE_ROUND_TRIP_NS": "330"}, 1),
])
def test_a_fit_goes_by_the_decision_and_lone_products_share_out(work, environment,
                                                                 threads_started):
    # The whole path, with the measurement fixed by BENDERNET_CORE_ROUND_TRIP_NS (the
    # default limit is 150 ns). The pool starts its thread the first time a product is
    # given two threads, whether or not that thread then gets a core in time to help: so
    # counting threads sees the decision, however busy the machine.
    code = """
import os, warnings, numpy as np
from bendernet import MLPClassifier, _kernels
before = len(os.listdir("/proc/self/task"))
""" + WORK[work] + """
print(len(os.listdir("/proc/self/task")) - before, _kernels.core_round_trip())
"""
    started, answer = map(int, run_python(code, OMP_NUM_THREADS="2", **environment).split())
    assert started == threads_started
    assert answer == int(environment["BENDERNET_CORE_ROUND_TRIP_NS"])
