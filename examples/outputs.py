"""Sigmoid and softmax outputs: a network's last layer as probabilities.

Two classes get one logistic (sigmoid) output, p(class 1) = 1 / (1 + e^-v); three get a
softmax over three outputs, p_k = e^(v_k) / sum_j e^(v_j). Each point's probabilities sum
to one.
"""

import numpy as np
from _common import arguments, grid, plt, save
from sklearn.datasets import make_blobs, make_moons

from bendernet import MLPClassifier


def fitted(X, y, alpha):
    # the L2 penalty alpha keeps the surfaces smooth enough to read
    return MLPClassifier(hidden_layer_sizes=(16,), activation="tanh", solver="lbfgs",
                         alpha=alpha, max_iter=500, random_state=0).fit(X, y)


def main():
    args = arguments(__doc__)
    n_grid = 31 if args.smoke else 201
    binary = make_moons(n_samples=200, noise=0.2, random_state=0)
    three = make_blobs(n_samples=300, centers=[[-2, -1], [2, -1], [0, 2]], cluster_std=1.1,
                       random_state=0)
    fig, axes = plt.subplots(1, 4, figsize=(16, 3.8))
    for name, (X, y), alpha, panels in (("binary", binary, 0.1, axes[:1]),
                                        ("three-class", three, 1.0, axes[1:])):
        model = fitted(X, y, alpha)
        lo, hi = X.min() - 0.5, X.max() + 0.5
        xx, yy, points = grid(lo, hi, n_grid)
        proba = model.predict_proba(points)
        shown = proba[:, 1:] if proba.shape[1] == 2 else proba   # binary: p(class 1)
        off_one = np.abs(proba.sum(axis=1) - 1).max()
        print(f"{name}: output {model.out_activation_}, {proba.shape[1]} probabilities a "
              f"point, largest |sum - 1| on the grid {off_one:.1e}, "
              f"training accuracy {model.score(X, y):.3f}")
        for k, ax in enumerate(panels):
            surface = ax.contourf(xx, yy, shown[:, k].reshape(xx.shape),
                                  levels=np.linspace(0, 1, 11), cmap="viridis")
            ax.scatter(*X.T, c=np.array(["white", "red", "orange"])[y], s=10,
                       edgecolors="k", linewidths=0.3)
            label = "p(class 1)" if name == "binary" else f"p(class {k})"
            ax.set(title=f"{model.out_activation_}: {label}", xlabel="x1", ylabel="x2")
    fig.colorbar(surface, ax=axes, shrink=0.9)
    save(fig, args, "outputs")


if __name__ == "__main__":
    main()
