"""The README's Dask numbers: a typical model's pickled size (what a worker receives) and a
small grid search's time on a local Dask cluster against n_jobs=1 (median of --repeats).

    python tools/dask_speedup.py [--workers 2] [--repeats 3]

Needs the 'dask' extra. The cluster's start is timed apart: a real cluster is already up.
"""

import argparse
import os
import pickle
import statistics
import time
import warnings

import joblib
from distributed import Client, LocalCluster
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from bendernet import MLPClassifier, to_sklearn

# fits of a second or so each, every one running all its epochs (tol=0): a search whose
# fits last tens of milliseconds measures Dask's overhead per task, not the fits
GRID = {"hidden_layer_sizes": [(128,), (256,)], "alpha": [1e-4, 1e-3]}


def seconds(run, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-iter", type=int, default=50, help="epochs of each fit")
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    X, y = load_digits(return_X_y=True)
    X = X / 16.0

    model = MLPClassifier(hidden_layer_sizes=(100,), random_state=0).fit(X, y)
    print(f"pickled MLPClassifier (digits, hidden 100, adam): {len(pickle.dumps(model))} bytes;"
          f" as scikit-learn's (to_sklearn): {len(pickle.dumps(to_sklearn(model)))} bytes;"
          f" of which the weights {sum(a.nbytes for a in model.coefs_ + model.intercepts_)},"
          f" Adam's moments {model._optimizer.m.nbytes + model._optimizer.v.nbytes}, the"
          f" early-stopping snapshot {sum(a.nbytes for a in model._best[0] + model._best[1])}")

    search = GridSearchCV(MLPClassifier(max_iter=args.max_iter, tol=0.0, random_state=0), GRID,
                          cv=3)
    alone, alone_all = seconds(lambda: search.set_params(n_jobs=1).fit(X, y), args.repeats)
    start = time.perf_counter()
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster, Client(cluster):
        started = time.perf_counter() - start

        def on_dask():
            with joblib.parallel_backend("dask"):
                search.set_params(n_jobs=-1).fit(X, y)

        on_dask()   # the workers import bendernet once
        spread, spread_all = seconds(on_dask, args.repeats)
    fits = len(search.cv_results_["params"]) * 3
    print(f"grid search, {fits} fits, {os.cpu_count()} cores: n_jobs=1 {alone:.2f} s "
          f"{[round(t, 2) for t in alone_all]}, {args.workers} Dask worker processes "
          f"{spread:.2f} s {[round(t, 2) for t in spread_all]} (cluster start {started:.1f} s):"
          f" speed-up {alone / spread:.2f}x")


if __name__ == "__main__":
    main()
