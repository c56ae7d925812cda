"""What every example shares: its command line and where its figure goes.

Each example is run as ``python examples/NAME.py [--smoke] [--out DIR]``. ``--smoke``
shrinks the work to seconds (the test suite runs every example that way); ``--out`` is
where the figure is written, ``examples/figures`` by default, where the README finds it.
"""

import argparse
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")   # files only: no display is needed or opened
import matplotlib.pyplot as plt  # noqa: E402

FIGURES = Path(__file__).resolve().parent / "figures"


def arguments(description):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--smoke", action="store_true", help="small sizes, for the tests")
    parser.add_argument("--out", type=Path, default=FIGURES, help="folder of the figure")
    return parser.parse_args()


def save(fig, args, name):
    """Write fig as DIR/name.png and say where."""
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"{name}.png"
    fig.savefig(path, dpi=90, bbox_inches="tight")
    plt.close(fig)
    print(f"figure: {path}")
    return path


def grid(lo, hi, n):
    """An n x n grid over [lo, hi]^2 as (xx, yy, the points as rows)."""
    xx, yy = np.meshgrid(np.linspace(lo, hi, n), np.linspace(lo, hi, n))
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


