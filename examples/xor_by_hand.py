"""XOR by hand: the talk's 2-2-1 ReLU network, its weights set rather than learned.

W = [[1, 1], [1, 1]], b = [0, -1] take the four points to a hidden space h = relu(W x + b)
where one line, U.h = h1 - 2 h2 = 0, separates them; the output is class 1 where U.h > 0.
"""

import warnings

import numpy as np
from _common import arguments, grid, plt, save
from sklearn.exceptions import ConvergenceWarning

from bendernet import MLPClassifier, ops

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR = np.array([0, 1, 1, 0])
W = np.array([[1.0, 1.0], [1.0, 1.0]])   # [inputs, hidden]
b = np.array([0.0, -1.0])
U = np.array([[1.0], [-2.0]])            # [hidden, output]


def hand_set_network():
    """A 2-2-1 ReLU classifier holding the talk's weights. One fit gives the model its
    shape and classes; the weights are then assigned."""
    model = MLPClassifier(hidden_layer_sizes=(2,), activation="relu", max_iter=1,
                          random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, XOR)
    model.coefs_ = [W.copy(), U.copy()]
    model.intercepts_ = [b.copy(), np.zeros(1)]
    return model


def main():
    args = arguments(__doc__)
    model = hand_set_network()
    H = ops.dense(X, W, b, activation="relu")          # the hidden layer, on the C kernels
    v = ops.dense(H, U, np.zeros(1))[:, 0]
    print(f"XOR predict: {model.predict(X).tolist()}")
    for x, h, out in zip(X, H, v):
        print(f"x = {x.tolist()}  h = relu(W x + b) = {h.tolist()}  U.h = {out:+.0f}")

    fig, (regions, hidden) = plt.subplots(1, 2, figsize=(10, 4.4))
    xx, yy, points = grid(-0.5, 1.5, 41 if args.smoke else 301)
    proba = model.predict_proba(points)[:, 1].reshape(xx.shape)
    regions.contourf(xx, yy, proba > 0.5, levels=[-0.5, 0.5, 1.5], cmap="coolwarm",
                     alpha=0.3)
    regions.scatter(*X.T, c=XOR, cmap="coolwarm", s=120, edgecolors="k", zorder=3)
    regions.set(title="input space: the decision regions", xlabel="x1", ylabel="x2")

    hidden.scatter(*H.T, c=XOR, cmap="coolwarm", s=120, edgecolors="k", zorder=3)
    landed = {}   # [0, 1] and [1, 0] land on the same hidden point
    for x, h in zip(X, H):
        landed.setdefault(tuple(h), []).append(str(x.astype(int).tolist()))
    for h, xs in landed.items():
        hidden.annotate("  x = " + " and ".join(xs), h, fontsize=9)
    h1 = np.array([-0.5, 2.5])
    hidden.plot(h1, h1 / 2, "k--", label="U.h = h1 - 2 h2 = 0 (class 1 below)")
    hidden.set(title="hidden space h = relu(W x + b)", xlabel="h1", ylabel="h2",
               xlim=(-0.5, 2.5), ylim=(-0.5, 1.5))
    hidden.legend(loc="upper left")
    fig.tight_layout()
    save(fig, args, "xor_by_hand")


if __name__ == "__main__":
    main()
