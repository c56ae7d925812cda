"""python -m bendernet: train on scikit-learn's bundled digits with bendernet and with
scikit-learn, same seed and settings, and print accuracy, fit time and the speed-up."""

import time
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SklearnMLP
from sklearn.preprocessing import StandardScaler

from bendernet import MLPClassifier

SETTINGS = dict(hidden_layer_sizes=(100,), max_iter=200, random_state=0)


def best_fit_time(estimator_class, X, y, repeats):
    """The fastest of a few fits (the least disturbed by the rest of the machine)."""
    best, model = np.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        model = estimator_class(**SETTINGS).fit(X, y)
        best = min(best, time.perf_counter() - start)
    return model, best


def main(repeats=3):
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    print(f"digits: {X_train.shape[0]} training and {X_test.shape[0]} test samples, "
          f"{X.shape[1]} features; MLP {SETTINGS}")
    results = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for name, estimator_class in (("scikit-learn", SklearnMLP), ("bendernet", MLPClassifier)):
            model, seconds = best_fit_time(estimator_class, X_train, y_train, repeats)
            results[name] = seconds
            print(f"{name:>13}: test accuracy {model.score(X_test, y_test):.4f}, "
                  f"{model.n_iter_} epochs, fit {seconds * 1000:8.1f} ms")
    print(f"speed-up: {results['scikit-learn'] / results['bendernet']:.1f}x "
          f"(best of {repeats} fits each)")


if __name__ == "__main__":
    main()
