"""Backpropagation checked against central finite differences.

``bendernet.loss_gradient`` returns the loss a fit minimises and its gradient, computed by
the model's backend (the C kernels, or the NumPy reference with ``backend="numpy"``). Each
partial derivative is compared with (L(p + h) - L(p - h)) / 2h, layer by layer, as the
norm-wise relative error |g - g_fd| / |g_fd|. tanh units are smooth, so no kink spoils the
difference.
"""

import warnings

import numpy as np
from _common import arguments, plt, save
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning

from bendernet import MLPClassifier, loss_gradient

STEP = 1e-6


def finite_differences(model, X, y, parameters):
    """Central differences of the loss with respect to every entry of each array in
    parameters (arrays of the model, nudged in place and restored)."""
    result = []
    for p in parameters:
        g = np.empty_like(p)
        for i in np.ndindex(p.shape):
            kept = p[i]
            p[i] = kept + STEP
            up = loss_gradient(model, X, y).loss
            p[i] = kept - STEP
            down = loss_gradient(model, X, y).loss
            p[i] = kept
            g[i] = (up - down) / (2 * STEP)
        result.append(g)
    return result


def relative_error(g, g_fd):
    return np.linalg.norm(g - g_fd) / np.linalg.norm(g_fd)


def main():
    args = arguments(__doc__)
    X, y = make_classification(n_samples=200, n_features=8, n_informative=5, n_classes=3,
                               random_state=0)
    batch = slice(0, 16 if args.smoke else 64)        # the mini-batch whose gradient we check
    errors = {}
    for backend in ("c", "numpy"):
        model = MLPClassifier(hidden_layer_sizes=(6, 4), activation="tanh", max_iter=3,
                              random_state=0, backend=backend)
        with warnings.catch_warnings():   # a few epochs, for weights away from the start
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        exact = loss_gradient(model, X[batch], y[batch])
        parameters = model.coefs_ + model.intercepts_
        numeric = finite_differences(model, X[batch], y[batch], parameters)
        names = [f"W{i + 1}" for i in range(len(model.coefs_))]
        names += [f"b{i + 1}" for i in range(len(model.intercepts_))]
        errors[backend] = {}
        for name, g, g_fd in zip(names, exact.coefs + exact.intercepts, numeric):
            errors[backend][name] = relative_error(g, g_fd)
            print(f"backend {backend:>5}: {name} {g.shape}: |g - g_fd| / |g_fd| = "
                  f"{errors[backend][name]:.2e}")
        print(f"backend {backend:>5}: loss {exact.loss:.12f}, largest error "
              f"{max(errors[backend].values()):.2e}")

    fig, ax = plt.subplots(figsize=(7, 4))
    names = list(errors["c"])
    where = np.arange(len(names))
    for shift, backend in ((-0.2, "c"), (0.2, "numpy")):
        ax.bar(where + shift, [errors[backend][n] for n in names], width=0.4,
               label=f"backend={backend!r}")
    ax.set(xticks=where, xticklabels=names, yscale="log",
           ylabel="|g - g_fd| / |g_fd|", title=f"backpropagation against central "
           f"differences (h = {STEP:g})")
    ax.legend()
    save(fig, args, "backprop_check")


if __name__ == "__main__":
    main()
