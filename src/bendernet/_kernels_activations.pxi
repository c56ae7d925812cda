# Included by _kernels.pyx: the bindings of the activation kernels (csrc/network/activations.c).

def activation_forward(floating[::1] out, const floating[::1] x, int activation, double alpha):
    """out = f(x)"""
    require(out.shape[0] == x.shape[0], "output and input lengths differ")
    cdef int status
    with nogil:
        if floating is float:
            status = bn_activation_forward_f32(&out[0], &x[0], x.shape[0], activation, <float>alpha)
        else:
            status = bn_activation_forward_f64(&out[0], &x[0], x.shape[0], activation, alpha)
    check(status)


def activation_derivative(floating[::1] out, const floating[::1] x, int activation,
                          double alpha):
    """out = f'(x) at the pre-activation x"""
    require(out.shape[0] == x.shape[0], "output and input lengths differ")
    cdef int status
    with nogil:
        if floating is float:
            status = bn_activation_derivative_f32(&out[0], &x[0], x.shape[0], activation,
                                                  <float>alpha)
        else:
            status = bn_activation_derivative_f64(&out[0], &x[0], x.shape[0], activation, alpha)
    check(status)


def activation_backward(floating[::1] delta, const floating[::1] out, const floating[::1] pre,
                        int activation, double alpha):
    """delta *= f'(z), from the output out = f(z) (and z itself, pre, for PReLU)"""
    require(out.shape[0] == delta.shape[0], "delta and output lengths differ")
    require(pre is None or pre.shape[0] == delta.shape[0], "delta and pre lengths differ")
    cdef const floating *pre_ptr = NULL if pre is None else &pre[0]
    cdef int status
    with nogil:
        if floating is float:
            status = bn_activation_backward_f32(&delta[0], &out[0], pre_ptr, delta.shape[0],
                                                activation, <float>alpha)
        else:
            status = bn_activation_backward_f64(&delta[0], &out[0], pre_ptr, delta.shape[0],
                                                activation, alpha)
    check(status)


def prelu_slope_grad(const floating[::1] dU, const floating[::1] V):
    """sum of dU * min(V, 0): the gradient of a PReLU layer's slope"""
    require(dU.shape[0] == V.shape[0], "dU and V lengths differ")
    if floating is float:
        return bn_prelu_slope_grad_f32(&dU[0], &V[0], V.shape[0])
    else:
        return bn_prelu_slope_grad_f64(&dU[0], &V[0], V.shape[0])
