"""The perceptron y = F(W.x + b): it learns AND and OR, and no line gives XOR.

A network with no hidden layer (``hidden_layer_sizes=()``) is the talk's perceptron: its
prediction is the binary step of v = W.x + b (class 1 where v > 0).
"""

import numpy as np
from _common import arguments, plt, save

from bendernet import MLPClassifier

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
GATES = {"AND": [0, 0, 0, 1], "OR": [0, 1, 1, 1], "XOR": [0, 1, 1, 0]}


def perceptron(y):
    return MLPClassifier(hidden_layer_sizes=(), solver="lbfgs", random_state=0).fit(X, y)


def best_line(y, n_lines, rng):
    """(accuracy, w, b) of the best of n_lines random lines w.x + b = 0 on the four points
    (either side may be class 1): an accuracy of 1.0 would mean a line separates them."""
    w = rng.normal(size=(n_lines, 2))
    b = rng.normal(size=n_lines)
    side = (X @ w.T + b) > 0                      # [4, n_lines]
    right = (side == np.asarray(y, bool)[:, None]).mean(axis=0)
    right = np.maximum(right, 1 - right)
    best = int(np.argmax(right))
    return float(right[best]), w[best], b[best]


def draw_line(ax, w, b, style, label):
    x1 = np.array([-0.5, 1.5])
    if abs(w[1]) > 1e-8 * abs(w[0]):
        ax.plot(x1, -(w[0] * x1 + b) / w[1], style, label=label)
    elif abs(w[0]) > 0:
        ax.axvline(-b / w[0], linestyle=style[-2:], color=style[0], label=label)


def main():
    args = arguments(__doc__)
    rng = np.random.default_rng(0)
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.8))
    for ax, (name, y) in zip(axes, GATES.items()):
        model = perceptron(y)
        w, b = model.coefs_[0][:, 0], model.intercepts_[0][0]
        predicted = model.predict(X)
        print(f"{name}: targets {y} perceptron {predicted.tolist()} "
              f"accuracy {model.score(X, y):.2f}")
        ax.scatter(*X.T, c=y, cmap="coolwarm", s=120, edgecolors="k", zorder=3)
        draw_line(ax, w, b, "k--", "perceptron: W.x + b = 0")
        ax.set(xlim=(-0.5, 1.5), ylim=(-0.5, 1.5), xlabel="x1", ylabel="x2",
               title=f"{name}: perceptron accuracy {model.score(X, y):.2f}")
    n_lines = 2_000 if args.smoke else 200_000
    accuracy, w, b = best_line(GATES["XOR"], n_lines, rng)
    print(f"XOR: the best of {n_lines} random lines classifies {accuracy:.2f} of the "
          "points right")
    draw_line(axes[2], w, b, "g-", f"best of {n_lines} lines: {accuracy:.2f}")
    for ax in axes:
        ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    save(fig, args, "perceptron")


if __name__ == "__main__":
    main()
