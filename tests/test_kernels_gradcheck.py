"""loss_grad's gradient against central finite differences of its own loss (float64), for
every hidden activation and every output, PReLU slopes included. This checks the C
backpropagation against calculus rather than against the reference, which could share a
mistake with it."""

import numpy as np
import pytest

from bendernet import _kernels as C
from bendernet import reference as R
from bendernet._layout import Layout
from bendernet.activations import NAMES
from helpers import rng_from
from network_cases import Problem

STEP = 1e-6


def penalty(problem, P):
    weight_sum = problem.X.shape[0] if problem.sw is None else problem.sw.sum()
    layout = Layout(P, problem.units, problem.activation)
    return 0.5 * problem.l2 * sum(np.sum(W**2) for W in layout.W) / weight_sum


def objective(problem, kernels, P):
    """The function whose gradient loss_grad returns. As scikit-learn, squared error is
    reported averaged over the outputs while its delta P - T is that of the sum over them,
    so there the gradient is of n_outputs times the data term (the L2 term is not scaled)."""
    loss, _ = problem.loss_grad(kernels, P)
    if problem.output != R.OUT_IDENTITY:
        return loss
    data_term = loss - penalty(problem, P)
    return problem.units[-1] * data_term + penalty(problem, P)


def central_differences(problem, kernels):
    P = problem.P
    numeric = np.empty_like(P)
    for i in range(P.size):
        shifted = P.copy()
        shifted[i] = P[i] + STEP
        up = objective(problem, kernels, shifted)
        shifted[i] = P[i] - STEP
        down = objective(problem, kernels, shifted)
        numeric[i] = (up - down) / (2 * STEP)
    return numeric


@pytest.mark.parametrize("kernels", [C, R], ids=["C", "reference"])
@pytest.mark.parametrize("output", [R.OUT_IDENTITY, R.OUT_LOGISTIC, R.OUT_SOFTMAX, R.OUT_EXP])
@pytest.mark.parametrize("activation", range(len(NAMES)), ids=NAMES)
def test_gradient_matches_central_differences(activation, output, kernels):
    # two hidden layers so a gradient crosses an activation between two weight layers;
    # the fixed seed keeps pre-activations away from kinks (relu, prelu, step)
    rng = rng_from(1000 * activation + output)
    problem = Problem(rng, [3, 4, 3, 2], activation, output, np.float64, n_rows=6,
                      weighted=True, l2=0.1)
    _, G = problem.loss_grad(kernels)
    numeric = central_differences(problem, kernels)
    # truncation (STEP^2 * f''') and cancellation (eps * f / STEP) are both below 1e-8
    np.testing.assert_allclose(G, numeric, rtol=1e-6, atol=1e-7)
    if activation == R.PRELU:
        slopes = Layout(G, problem.units, activation).slope
        assert slopes.size == 2 and np.all(slopes != 0)   # the slopes were really checked
