"""An lbfgs fit is the same bit for bit whatever the thread counts: SciPy's L-BFGS-B runs
its vector products on one BLAS thread (bendernet._solvers), and the C kernels split
their products by output tiles. Each fit runs in a child process, since BLAS and OpenMP
read their thread counts when they load."""

import json
import os
import subprocess
import sys

import pytest

# scikit-learn's "Varying regularization in Multi-layer Perceptron" moons, on a wider
# network: with OpenBLAS's threads inside L-BFGS-B, this fit took 141 iterations on one
# thread and 178 on two (commit 7a5ac13).
FIT = """
import hashlib, json, warnings
import numpy as np
from sklearn.datasets import make_moons
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from bendernet import MLPClassifier

X, y = make_moons(noise=0.3, random_state=0)
X = StandardScaler().fit_transform(X)
X_train, _, y_train, _ = train_test_split(X, y, test_size=0.4, random_state=42)
model = MLPClassifier(solver="lbfgs", alpha=0.1, random_state=1, max_iter=2000,
                      hidden_layer_sizes=(100, 100))
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    model.fit(X_train, y_train)
digest = hashlib.sha256()
for array in model.coefs_ + model.intercepts_:
    digest.update(np.ascontiguousarray(array).tobytes())
print(json.dumps({"n_iter": model.n_iter_, "digest": digest.hexdigest()}))
"""

# (BLAS threads, bendernet's OpenMP threads)
THREADS = [(1, 1), (2, 2), (2, 1), (1, 2)]


def fit_in_child(blas_threads, omp_threads):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(blas_threads),
               OMP_NUM_THREADS=str(omp_threads))
    done = subprocess.run([sys.executable, "-c", FIT], env=env, capture_output=True,
                          text=True, timeout=600, check=True)
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def one_thread():
    return fit_in_child(*THREADS[0])


@pytest.mark.parametrize(("blas_threads", "omp_threads"), THREADS[1:])
def test_an_lbfgs_fit_does_not_depend_on_the_thread_counts(one_thread, blas_threads,
                                                           omp_threads):
    assert one_thread["n_iter"] > 100     # long enough to have diverged before
    assert fit_in_child(blas_threads, omp_threads) == one_thread
