"""The talk's nine activations and their derivatives, drawn from the C kernels.

Every curve comes from ``bendernet.activations`` (``forward`` and ``derivative``): nothing is
re-implemented here. PReLU is drawn at its starting slope 0.25 and ELU at alpha = 1.
"""

import numpy as np
from _common import arguments, plt, save

from bendernet import activations


def main():
    args = arguments(__doc__)
    x = np.linspace(-3.0, 3.0, 61 if args.smoke else 601)
    fig, axes = plt.subplots(3, 3, figsize=(10, 8.5), sharex=True)
    for ax, name in zip(axes.ravel(), activations.NAMES):
        f = activations.forward(name, x)
        df = activations.derivative(name, x)
        ax.plot(x, f, label="f(x)")
        ax.plot(x, df, "--", label="f'(x)")
        ax.axhline(0, color="0.8", lw=0.8, zorder=0)
        ax.set_title(name)
        at = np.array([-1.0, 0.0, 1.0])
        values = " ".join(f"{v: .6f}" for v in activations.forward(name, at))
        slopes = " ".join(f"{v: .6f}" for v in activations.derivative(name, at))
        print(f"{name:>9}: f(-1, 0, 1) = {values}   f'(-1, 0, 1) = {slopes}")
    axes[0, 0].legend(loc="upper left")
    fig.tight_layout()
    save(fig, args, "activations")


if __name__ == "__main__":
    main()
