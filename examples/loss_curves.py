"""Loss going down: full-batch gradient descent, mini-batch SGD, momentum and Adam.

Each curve is a model's ``loss_curve_``: after every epoch, the mean loss over the N
training samples (cross-entropy, plus the L2 penalty). Same data, same initial weights
(random_state), same number of epochs; only the optimizer differs.
"""

import warnings

from _common import arguments, plt, save
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from bendernet import MLPClassifier


def optimizers(n):
    """name -> the parameters that make the optimizer; n is the number of samples."""
    sgd = {"solver": "sgd", "learning_rate_init": 0.05, "momentum": 0.0}
    return {
        f"gradient descent (batch = N = {n})": {**sgd, "batch_size": n},
        "mini-batch SGD (batch 32)": {**sgd, "batch_size": 32},
        "SGD + momentum 0.9 (batch 32)": {**sgd, "batch_size": 32, "momentum": 0.9,
                                          "nesterovs_momentum": False},
        "Adam (batch 32)": {"solver": "adam", "batch_size": 32},
    }


def main():
    args = arguments(__doc__)
    X, y = load_digits(return_X_y=True)
    if args.smoke:
        X, y = X[:300], y[:300]
    X = StandardScaler().fit_transform(X)
    epochs = 5 if args.smoke else 100
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, params in optimizers(len(X)).items():
        model = MLPClassifier(hidden_layer_sizes=(32,), max_iter=epochs, tol=0.0,
                              random_state=0, **params)
        with warnings.catch_warnings():   # every run stops at max_iter on purpose
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)
        curve = model.loss_curve_
        print(f"{name}: loss after epoch 1 {curve[0]:.4f}, after epoch {len(curve)} "
              f"{curve[-1]:.4f}")
        ax.plot(range(1, len(curve) + 1), curve, label=name)
    ax.set(xlabel="epoch", ylabel="mean loss over the N samples", yscale="log",
           title=f"digits, {len(X)} samples, one hidden layer of 32")
    ax.legend()
    save(fig, args, "loss_curves")


if __name__ == "__main__":
    main()
