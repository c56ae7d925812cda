"""Where each layer's parameters sit in a network's flat buffer, as the C core lays them.

All coefficients first (W_0 .. W_{L-1}, each row-major k x n), then all intercepts
(b_0 .. b_{L-1}), then, when a hidden layer is PReLU, one slope per hidden layer (the slot
of a layer that is not PReLU is never read). Gradients share the layout. ``activation`` is
one code for every hidden layer or one per hidden layer (``_codes.layer_codes``). Pure
Python: the reference and the network description both read it.
"""

from bendernet._codes import PRELU, layer_codes


def has_slopes(units, activation):
    """whether the flat buffer holds PReLU slopes: when a hidden layer is PReLU"""
    return PRELU in layer_codes(activation, max(len(units) - 2, 0))


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
        self.slope = flat[offset:offset + L - 1] if has_slopes(units, activation) else None


def param_count(units, activation):
    """length of the flat parameter buffer"""
    units = [int(u) for u in units]
    weights = sum(k * n for k, n in zip(units[:-1], units[1:]))
    return weights + sum(units[1:]) + (len(units) - 2 if has_slopes(units, activation) else 0)


def workspace_len(units, activation, m):
    """reals of workspace for a batch of m rows, as the NumPy reference counts them (it
    allocates its own; the C core's count is _kernels.workspace_len)"""
    return m * int(sum(units[1:])) * (3 if has_slopes(units, activation) else 2)
