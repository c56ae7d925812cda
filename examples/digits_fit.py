"""A real fit: handwritten digits, watched on a validation set, against scikit-learn.

bendernet and scikit-learn train the same model (same parameters, same seed: the same
draws and, to rounding, the same numbers); bendernet's C kernels do it faster. The figure
shows the loss and the validation accuracy after each epoch, and the test set's confusion
matrix.
"""

import time

import numpy as np
from _common import arguments, plt, save
from sklearn.datasets import load_digits
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier
from sklearn.preprocessing import StandardScaler

from bendernet import MLPClassifier


def timed_fit(make, X, y, repeats):
    """The model of the last fit and the median time of repeats fits."""
    times = []
    for _ in range(repeats):
        model = make()
        start = time.perf_counter()
        model.fit(X, y)
        times.append(time.perf_counter() - start)
    return model, float(np.median(times))


def with_progress_bar(model):
    """model, drawing a bar of its epochs where scikit-learn has callbacks (1.9 and later)"""
    try:
        from sklearn.callback import ProgressBar
    except ImportError:
        return model
    return model.set_callbacks(ProgressBar())


def main():
    args = arguments(__doc__)
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25,
                                                        random_state=0, stratify=y)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    params = {"hidden_layer_sizes": (100,), "early_stopping": True, "n_iter_no_change": 10,
              "max_iter": 10 if args.smoke else 200, "random_state": 0}
    repeats = 1 if args.smoke else 5

    # the fit the figure shows, with a progress bar; the timed ones have none
    shown = with_progress_bar(MLPClassifier(**params)).fit(X_train, y_train)
    ours, ours_time = timed_fit(lambda: MLPClassifier(**params), X_train, y_train, repeats)
    assert np.array_equal(shown.coefs_[0], ours.coefs_[0])   # the callbacks change nothing
    theirs, theirs_time = timed_fit(lambda: SklearnMLPClassifier(**params), X_train, y_train,
                                    repeats)
    for name, model, seconds in (("bendernet", ours, ours_time),
                                 ("scikit-learn", theirs, theirs_time)):
        print(f"{name}: {model.n_iter_} epochs, best validation accuracy "
              f"{model.best_validation_score_:.4f}, test accuracy "
              f"{model.score(X_test, y_test):.4f}, fit {seconds * 1e3:.1f} ms")
    same = np.array_equal(ours.predict(X_test), theirs.predict(X_test))
    print(f"same test predictions: {same}; speed-up {theirs_time / ours_time:.1f}x "
          f"(median of {repeats} fits each)")

    fig, (curves, matrix) = plt.subplots(1, 2, figsize=(12, 4.8))
    epochs = np.arange(1, ours.n_iter_ + 1)
    curves.plot(epochs, ours.loss_curve_, label="training loss")
    curves.set(xlabel="epoch", ylabel="mean training loss", yscale="log",
               title=f"bendernet {ours_time * 1e3:.0f} ms, scikit-learn "
               f"{theirs_time * 1e3:.0f} ms")
    accuracy = curves.twinx()
    accuracy.plot(epochs, ours.validation_scores_, color="C1", label="validation accuracy")
    accuracy.set_ylabel("validation accuracy")
    curves.legend(loc="center right")
    accuracy.legend(loc="right", bbox_to_anchor=(1.0, 0.4))
    ConfusionMatrixDisplay.from_estimator(ours, X_test, y_test, ax=matrix, colorbar=False)
    matrix.set_title(f"test set: accuracy {ours.score(X_test, y_test):.4f}")
    fig.tight_layout()
    save(fig, args, "digits_fit")


if __name__ == "__main__":
    main()
