"""The floating-point operations a fit or a prediction does, counted from the algorithm's
matrix products alone (the element-wise work, activations, loss and optimizer, is left out:
it is a few operations per number against a product's 2·n_in per output).

Per row and layer l with n_in inputs and n_out outputs (l = 0 is the first layer):
- forward:            Z = X W + b       2·n_in·n_out
- weights' gradient:  dW = Xᵀ δ         2·n_in·n_out
- the deltas below:   δ_below = δ Wᵀ    2·n_in·n_out, for l ≥ 1 only (nothing needs the
                                        gradient of the input)
A fit does all three for every row of every epoch; a prediction only the forward products.
"""


def layer_sizes(n_features, hidden, n_outputs):
    """[n_features, *hidden, n_outputs]: the widths from the input to the output"""
    return [n_features, *hidden, n_outputs]


def _products(sizes):
    """n_in·n_out of each layer, first layer first"""
    return [n_in * n_out for n_in, n_out in zip(sizes, sizes[1:])]


def predict_flops(sizes, rows):
    """FLOPs of the forward products for `rows` rows through layers of these sizes"""
    return rows * sum(2 * product for product in _products(sizes))


def fit_flops(sizes, rows, epochs):
    """FLOPs of `epochs` epochs over `rows` rows: forward, weights' gradient, and the deltas
    below every layer but the first"""
    per_row = sum(2 * product * (2 if layer == 0 else 3)
                  for layer, product in enumerate(_products(sizes)))
    return epochs * rows * per_row
