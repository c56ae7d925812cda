"""Where each layer's parameters sit in a network's flat buffer, as the C core lays them.

All coefficients first (W_0 .. W_{L-1}, each row-major k x n), then all intercepts
(b_0 .. b_{L-1}), then one slope per hidden layer when the activation is PReLU. Gradients
share the layout. Pure Python: the reference and the network description both read it.
"""

from bendernet._codes import PRELU


class Layout:
    """Views of each layer's W, b (and PReLU slope) into a flat buffer."""

    def __init__(self, flat, units, activation):
        L = len(units) - 1
        offset, self.W, self.b = 0, [], []
        for l in range(L):
            size = units[l] * units[l + 1]
            self.W.append(flat[offset:offset + size].reshape(units[l], units[l + 1]))
            offset += size
        for l in range(L):
            self.b.append(flat[offset:offset + units[l + 1]])
            offset += units[l + 1]
        self.slope = flat[offset:offset + L - 1] if activation == PRELU else None


def param_count(units, activation):
    """length of the flat parameter buffer"""
    units = [int(u) for u in units]
    weights = sum(k * n for k, n in zip(units[:-1], units[1:]))
    return weights + sum(units[1:]) + (len(units) - 2 if activation == PRELU else 0)


def workspace_len(units, activation, m):
    """reals of workspace for a batch of m rows, as the NumPy reference counts them (it
    allocates its own; the C core's count is _kernels.workspace_len)"""
    return m * int(sum(units[1:])) * (3 if activation == PRELU else 2)
