"""bendernet on Dask: a grid search on the workers, partial_fit over a dask array's blocks,
prediction over dask collections, and each task kept to its share of the cores.

One LocalCluster for the module: two workers of two threads each, in this process
(processes=False: no interpreter to start per worker, which keeps the file to seconds; the
workers run the same code a remote worker would, minus the pickling). One test starts
worker processes instead, as on separate machines, for the pickling. Skipped when the
'dask' extra is not installed.
"""

import os
import pickle

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV

from bendernet import MLPClassifier, MLPRegressor, _kernels
from bendernet._worker_threads import worker_share

distributed = pytest.importorskip("distributed", reason="needs the 'dask' extra (distributed)")
dask_ml_wrappers = pytest.importorskip("dask_ml.wrappers",
                                       reason="needs the 'dask' extra (dask-ml)")
da = pytest.importorskip("dask.array", reason="needs the 'dask' extra (dask.array)")
joblib = pytest.importorskip("joblib")

# short fits; catch_warnings would not do, as it is not thread-safe and tasks run on threads
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

N_WORKERS, THREADS_PER_WORKER = 2, 2


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=N_WORKERS, threads_per_worker=THREADS_PER_WORKER,
                                  processes=False, dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:600] / 16.0, y[:600]


def grid_search_on(client, X, y):
    """A grid search run at one process and on client's workers: the two results."""
    grid = {"hidden_layer_sizes": [(16,), (32,)], "alpha": [1e-4, 1e-2]}
    model = MLPClassifier(max_iter=15, random_state=0)
    local = GridSearchCV(model, grid, cv=3, n_jobs=1).fit(X, y)
    with client.as_current(), joblib.parallel_backend("dask"):
        on_dask = GridSearchCV(model, grid, cv=3, n_jobs=-1).fit(X, y)
    return local, on_dask


def assert_same_search(local, on_dask):
    for key in ("mean_test_score", "std_test_score", "split0_test_score"):
        assert_array_equal(on_dask.cv_results_[key], local.cv_results_[key])
    assert on_dask.best_params_ == local.best_params_


def test_grid_search_on_workers_scores_as_in_one_process(client, digits):
    assert_same_search(*grid_search_on(client, *digits))


@pytest.fixture
def environment_kept():
    """os.environ as it was: a nanny in this process writes its workers' settings
    (OMP_NUM_THREADS=1, ...) into this process's environment too (distributed 2026.8), where
    every later subprocess would inherit them."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def test_grid_search_on_worker_processes(digits, environment_kept):
    # worker processes started by nannies, as on separate machines: the estimator and the
    # data travel pickled to interpreters of their own
    with distributed.LocalCluster(n_workers=N_WORKERS, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as client:
        assert_same_search(*grid_search_on(client, *digits))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_incremental_over_blocks_is_partial_fit_in_memory(client, digits, dtype):
    X, y = digits
    X = X.astype(dtype)
    classes = np.unique(y)
    params = dict(hidden_layer_sizes=(24,), random_state=0, batch_size=50)
    wrapper = dask_ml_wrappers.Incremental(MLPClassifier(**params), shuffle_blocks=False)
    with client.as_current():
        wrapper.fit(da.from_array(X, chunks=150), da.from_array(y, chunks=150), classes=classes)

    in_memory = MLPClassifier(**params)
    for start in range(0, len(X), 150):
        in_memory.partial_fit(X[start:start + 150], y[start:start + 150], classes=classes)
    fitted = wrapper.estimator_
    assert fitted.t_ == in_memory.t_ == len(X)
    # the same model bit for bit, whatever thread count each side ran with
    for a, b in zip(fitted.coefs_ + fitted.intercepts_,
                    in_memory.coefs_ + in_memory.intercepts_):
        assert a.dtype == dtype
        assert_array_equal(a, b)


def test_parallel_post_fit_predicts_dask_collections(client, digits):
    dd = pytest.importorskip("dask.dataframe", reason="dask DataFrame needs pandas and pyarrow")
    pd = pytest.importorskip("pandas")
    X, y = digits
    classifier = MLPClassifier(hidden_layer_sizes=(16,), max_iter=20, random_state=0).fit(X, y)
    wrapped = dask_ml_wrappers.ParallelPostFit(classifier)
    dX = da.from_array(X, chunks=100)
    with client.as_current():
        assert_array_equal(wrapped.predict(dX).compute(), classifier.predict(X))
        assert_array_equal(wrapped.predict_proba(dX).compute(), classifier.predict_proba(X))

    table = pd.DataFrame(X, columns=[f"p{i}" for i in range(X.shape[1])])
    regressor = MLPRegressor(hidden_layer_sizes=(8,), max_iter=20, random_state=0)
    regressor.fit(table, X[:, 10])
    frame = dd.from_pandas(table, npartitions=4)
    with client.as_current():
        predicted = dask_ml_wrappers.ParallelPostFit(regressor).predict(frame).compute()
    assert_array_equal(np.asarray(predicted), regressor.predict(table))


def test_pickled_model_is_the_model(digits):
    # what a remote worker receives: the estimator pickled
    X, y = digits
    model = MLPClassifier(hidden_layer_sizes=(16,), max_iter=10, random_state=0).fit(X, y)
    shipped = pickle.loads(pickle.dumps(model))
    assert_array_equal(shipped.predict_proba(X), model.predict_proba(X))


def threads_seen_by_a_task(digits):
    """bendernet's thread limit inside a task, after it fitted and predicted there."""
    X, y = digits
    MLPClassifier(hidden_layer_sizes=(4,), max_iter=2).fit(X[:50], y[:50]).predict(X)
    return _kernels.max_threads()


def test_tasks_keep_to_their_share_of_the_cores(client, digits):
    default = _kernels.max_threads()
    share = worker_share(distributed.Worker._instances)
    futures = [client.submit(threads_seen_by_a_task, digits, pure=False) for _ in range(8)]
    seen = client.gather(futures)
    # each task: the cores over the process's 2 x 2 worker threads (at least one)
    assert share == max(1, len(os.sched_getaffinity(0)) // (N_WORKERS * THREADS_PER_WORKER))
    assert seen == [min(default, share)] * len(futures)
    # the limit is the worker threads' own: this thread keeps its threads
    threads_seen_by_a_task(digits)
    assert _kernels.max_threads() == default


def test_share_counts_only_running_workers():
    class Worker:
        def __init__(self, nthreads, status):
            self.state = type("State", (), {"nthreads": nthreads})()
            self.status = type("Status", (), {"name": status})()

    cores = len(os.sched_getaffinity(0))
    assert worker_share([]) == cores
    assert worker_share([Worker(2, "running"), Worker(50, "closed")]) == max(1, cores // 2)
    assert worker_share([Worker(10 * cores, "running")]) == 1
