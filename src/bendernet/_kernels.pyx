# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Glue between NumPy arrays and the C core: memoryviews become pointers and sizes, the
shapes that protect memory are checked here, and every C call runs without the GIL.
No arithmetic lives in this file."""

from libc.stdint cimport int64_t
from cython cimport floating


cdef int check(int status) except -1:
    if status == BN_ENOMEM:
        raise MemoryError("bendernet: the C core could not allocate its buffers")
    if status != BN_OK:
        raise ValueError("bendernet: the C core rejected a size, index or option")
    return 0


cdef int require(bint condition, str what) except -1:
    if not condition:
        raise ValueError(f"bendernet: {what}")
    return 0


cdef const int64_t *index_or_null(const int64_t[::1] rows):
    return NULL if rows is None else &rows[0]


def input_values(X):
    """The stored numbers of a layer input X: a C-contiguous 2-D ndarray or a CSR matrix
    with int64 indices. Pass the result to a kernel beside X (it types the call)."""
    if hasattr(X, "indptr"):
        require_csr(X)
        return X.data
    require(X.ndim == 2 and X.flags.c_contiguous, "dense input must be 2-D and C-contiguous")
    return X.reshape(-1)


cdef int require_csr(object X) except -1:
    # CSC and BSR have an indptr too: a square CSC matrix read as CSR is its transpose
    require(getattr(X, "format", None) == "csr", "sparse input must be in CSR format")
    return 0


cdef bn_rows rows_of(object X, const floating[::1] values, int64_t n_cols) except *:
    """The C view of a layer input X (see input_values), dense or CSR."""
    cdef bn_rows rows
    cdef const int64_t[::1] indptr
    cdef const int64_t[::1] indices
    cdef int64_t n_rows = X.shape[0]
    require(X.shape[1] == n_cols, f"input has {X.shape[1]} columns, the network expects {n_cols}")
    rows.values = &values[0]
    rows.row_stride = n_cols
    rows.n_rows = n_rows
    rows.n_cols = n_cols
    rows.indptr = NULL
    rows.indices = NULL
    if not hasattr(X, "indptr"):
        # X.shape's Python ints: n_rows * n_cols in int64 could wrap to the length of a
        # short buffer
        require(values.shape[0] == X.shape[0] * X.shape[1], "input values do not fill its shape")
        return rows
    require_csr(X)
    # X keeps its index arrays alive for as long as the caller holds X
    indptr = X.indptr
    indices = X.indices
    require(indptr.shape[0] == n_rows + 1, "malformed CSR input")
    rows.indptr = &indptr[0]
    rows.indices = &indices[0]
    cdef int64_t n_values = min(values.shape[0], indices.shape[0])
    if floating is float:
        check(bn_rows_check_f32(&rows, n_values))
    else:
        check(bn_rows_check_f64(&rows, n_values))
    return rows


cdef bn_net net_of(const int64_t[::1] units, int activation, int output, double l2) except *:
    cdef bn_net net
    require(units.shape[0] >= 2, "a network needs at least an input and an output layer")
    net.n_layers = units.shape[0] - 1
    net.units = &units[0]
    net.activation = activation
    net.output = output
    net.l2 = l2
    require(bn_param_count_f64(&net) >= 0, "invalid network description")
    return net


def index_check(const int64_t[::1] rows, int64_t n_rows):
    """Raise ValueError unless every index lies in [0, n_rows)."""
    check(bn_index_check(index_or_null(rows), rows.shape[0], n_rows))


def all_finite(const floating[::1] values):
    """True when no value is NaN or infinite."""
    if values.shape[0] == 0:
        return True
    cdef int finite
    with nogil:
        if floating is float:
            finite = bn_all_finite_f32(&values[0], values.shape[0])
        else:
            finite = bn_all_finite_f64(&values[0], values.shape[0])
    return finite == 1


# ---- gemm ------------------------------------------------------------------------------

#: Every micro-kernel of the matrix product, whether or not this CPU runs it.
GEMM_KERNELS = ("portable", "avx2", "avx512")


def max_threads():
    """Threads the C core may use: OpenMP's limit (OMP_NUM_THREADS, or threadpoolctl's)."""
    return bn_max_threads()


def core_round_trip():
    """Nanoseconds a cache line takes from the calling thread's core to a pool thread's and
    back, measured now; -1 without a second thread or an answer. Far apart (above
    BENDERNET_FAR_ROUND_TRIP_NS, default 150), products use one thread."""
    cdef int64_t round_trip
    with nogil:
        round_trip = bn_core_round_trip()
    return round_trip


def gemm_kernel_name():
    """The micro-kernel the matrix product runs: 'portable', 'avx2' or 'avx512'."""
    return bn_gemm_kernel_name().decode()


def gemm_kernels_available():
    """The micro-kernels this CPU runs, in GEMM_KERNELS' order."""
    return tuple(name for name in GEMM_KERNELS if bn_gemm_kernel_available(name.encode()))


def gemm_select_kernel(name):
    """Run the micro-kernel called name from now on; None returns to the default choice
    (BENDERNET_GEMM_KERNEL, else the best this CPU runs). ValueError if it cannot run here."""
    cdef bytes encoded
    if name is None:
        check(bn_gemm_select_kernel(NULL))
        return
    encoded = str(name).encode()
    if bn_gemm_select_kernel(encoded) != BN_OK:
        raise ValueError(f"bendernet: no gemm micro-kernel {name!r} runs on this CPU; "
                         f"available: {', '.join(gemm_kernels_available())}")


cdef int check_operands(int64_t m, int64_t n, int64_t k, Py_ssize_t a_rows_len,
                        Py_ssize_t b_cols, Py_ssize_t b_rows_len, const int64_t[::1] a_rows,
                        Py_ssize_t a_n_rows, const int64_t[::1] b_rows,
                        Py_ssize_t b_n_rows) except -1:
    """The shape checks that keep C = A[a_rows] @ B[b_rows] inside its arrays."""
    require(b_cols == n, "B's columns differ from C's")
    require(a_rows_len == m, "A's rows differ from C's")
    require(b_rows_len == k, "B's rows differ from A's columns")
    if a_rows is not None:
        check(bn_index_check(index_or_null(a_rows), m, a_n_rows))
    if b_rows is not None:
        check(bn_index_check(index_or_null(b_rows), k, b_n_rows))
    return 0


cdef ptrdiff_t element_stride(Py_ssize_t byte_stride, Py_ssize_t size) except? -1:
    require(byte_stride % size == 0, "array strides must be whole elements")
    return byte_stride // size


cdef struct product_strides:
    ptrdiff_t c_rs, c_cs, a_rs, a_cs, b_rs, b_cs


cdef product_strides strides_of(Py_ssize_t *C, Py_ssize_t *A, Py_ssize_t *B,
                                Py_ssize_t size) except *:
    """The element strides of a product's three matrices, from NumPy's byte strides."""
    cdef product_strides st
    st.c_rs = element_stride(C[0], size)
    st.c_cs = element_stride(C[1], size)
    st.a_rs = element_stride(A[0], size)
    st.a_cs = element_stride(A[1], size)
    st.b_rs = element_stride(B[0], size)
    st.b_cs = element_stride(B[1], size)
    return st


def gemm(floating[:, :] C, const floating[:, :] A, const floating[:, :] B, double beta=0,
         const int64_t[::1] a_rows=None, const int64_t[::1] b_rows=None):
    """C = beta*C + A[a_rows] @ B[b_rows], any strides."""
    cdef int64_t m = C.shape[0], n = C.shape[1], k = A.shape[1]
    check_operands(m, n, k, A.shape[0] if a_rows is None else a_rows.shape[0], B.shape[1],
                   B.shape[0] if b_rows is None else b_rows.shape[0], a_rows, A.shape[0],
                   b_rows, B.shape[0])
    cdef product_strides st = strides_of(C.strides, A.strides, B.strides, sizeof(floating))
    cdef const int64_t *a_index = index_or_null(a_rows)
    cdef const int64_t *b_index = index_or_null(b_rows)
    cdef int status
    with nogil:
        if floating is float:
            status = bn_gemm_f32(&C[0, 0], st.c_rs, st.c_cs, &A[0, 0], st.a_rs, st.a_cs,
                                 a_index, &B[0, 0], st.b_rs, st.b_cs, b_index, m, n, k,
                                 <float>beta)
        else:
            status = bn_gemm_f64(&C[0, 0], st.c_rs, st.c_cs, &A[0, 0], st.a_rs, st.a_cs,
                                 a_index, &B[0, 0], st.b_rs, st.b_cs, b_index, m, n, k, beta)
    check(status)


def gemm_bias_activation(floating[:, :] C, floating[:, :] pre, const floating[:, :] A,
                         const floating[:, :] B, const floating[::1] bias, int activation,
                         double alpha, const int64_t[::1] a_rows=None,
                         const int64_t[::1] b_rows=None):
    """C = f(A[a_rows] @ B[b_rows] + bias), pre = A[a_rows] @ B[b_rows] + bias when given
    (with C's strides); any strides; bias None adds nothing, activation < 0 applies none."""
    cdef int64_t m = C.shape[0], n = C.shape[1], k = A.shape[1]
    check_operands(m, n, k, A.shape[0] if a_rows is None else a_rows.shape[0], B.shape[1],
                   B.shape[0] if b_rows is None else b_rows.shape[0], a_rows, A.shape[0],
                   b_rows, B.shape[0])
    require(bias is None or bias.shape[0] == n, "bias' length differs from C's columns")
    require(pre is None or (pre.shape[0] == m and pre.shape[1] == n and
                            pre.strides[0] == C.strides[0] and pre.strides[1] == C.strides[1]),
            "pre's shape or strides differ from C's")
    cdef product_strides st = strides_of(C.strides, A.strides, B.strides, sizeof(floating))
    cdef const int64_t *a_index = index_or_null(a_rows)
    cdef const int64_t *b_index = index_or_null(b_rows)
    cdef floating *pre_ptr = NULL if pre is None else &pre[0, 0]
    cdef const floating *bias_ptr = NULL if bias is None else &bias[0]
    cdef int status
    with nogil:
        if floating is float:
            status = bn_gemm_bias_activation_f32(&C[0, 0], pre_ptr, st.c_rs, st.c_cs, &A[0, 0],
                                                 st.a_rs, st.a_cs, a_index, &B[0, 0],
                                                 st.b_rs, st.b_cs, b_index, bias_ptr, m, n,
                                                 k, activation, <float>alpha)
        else:
            status = bn_gemm_bias_activation_f64(&C[0, 0], pre_ptr, st.c_rs, st.c_cs, &A[0, 0],
                                                 st.a_rs, st.a_cs, a_index, &B[0, 0],
                                                 st.b_rs, st.b_cs, b_index, bias_ptr, m, n,
                                                 k, activation, alpha)
    check(status)


# ---- activations ---------------------------------------------------------------------------

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


# ---- output layers and losses --------------------------------------------------------------

def output_forward(floating[:, ::1] Z, int output):
    """Z = g(Z) in place, g the output activation"""
    cdef int status
    with nogil:
        if floating is float:
            status = bn_output_forward_f32(&Z[0, 0], Z.shape[0], Z.shape[1], output)
        else:
            status = bn_output_forward_f64(&Z[0, 0], Z.shape[0], Z.shape[1], output)
    check(status)


def output_loss(floating[:, ::1] delta, const floating[:, ::1] P, const floating[:, ::1] T,
                const floating[::1] sw, const int64_t[::1] rows, int output):
    """delta = (P - T[rows]) * sw[rows]; returns the loss paired with the output"""
    cdef int64_t m = P.shape[0], n = P.shape[1]
    require(delta.shape[0] == m and delta.shape[1] == n, "delta's shape differs from P's")
    require(T.shape[1] == n, "T's columns differ from P's")
    require(sw is None or sw.shape[0] == T.shape[0], "sample_weight's length differs from T's rows")
    if rows is None:
        require(T.shape[0] == m, "T's rows differ from P's")
    else:
        require(rows.shape[0] == m, "rows' length differs from P's rows")
        check(bn_index_check(&rows[0], m, T.shape[0]))
    cdef const floating *sw_ptr = NULL if sw is None else &sw[0]
    cdef const int64_t *index = index_or_null(rows)
    cdef double loss = 0
    cdef int status
    with nogil:
        if floating is float:
            status = bn_output_loss_f32(&loss, &delta[0, 0], &P[0, 0], &T[0, 0], sw_ptr,
                                        index, m, n, output)
        else:
            status = bn_output_loss_f64(&loss, &delta[0, 0], &P[0, 0], &T[0, 0], sw_ptr,
                                        index, m, n, output)
    check(status)
    return loss


# ---- optimizers ------------------------------------------------------------------------------

def sgd_step(floating[::1] P, floating[::1] V, const floating[::1] G, double learning_rate,
             double momentum, bint nesterov):
    """one SGD-with-momentum step on P (velocity V)"""
    require(V.shape[0] == P.shape[0] and G.shape[0] == P.shape[0], "buffer lengths differ")
    with nogil:
        if floating is float:
            bn_sgd_step_f32(&P[0], &V[0], &G[0], P.shape[0], <float>learning_rate,
                            <float>momentum, nesterov)
        else:
            bn_sgd_step_f64(&P[0], &V[0], &G[0], P.shape[0], learning_rate, momentum, nesterov)


def adam_step(floating[::1] P, floating[::1] M, floating[::1] V, const floating[::1] G,
              double lr_t, double beta1, double beta2, double epsilon):
    """one Adam step on P (moments M, V) with the bias-corrected rate lr_t"""
    require(M.shape[0] == P.shape[0] and V.shape[0] == P.shape[0] and G.shape[0] == P.shape[0],
            "buffer lengths differ")
    with nogil:
        if floating is float:
            bn_adam_step_f32(&P[0], &M[0], &V[0], &G[0], P.shape[0], lr_t, beta1, beta2, epsilon)
        else:
            bn_adam_step_f64(&P[0], &M[0], &V[0], &G[0], P.shape[0], lr_t, beta1, beta2, epsilon)


# ---- dense layer ---------------------------------------------------------------------------

def dense_forward(floating[:, ::1] U, floating[:, ::1] pre, X, const floating[::1] values,
                  const int64_t[::1] rows, const floating[:, ::1] W, const floating[::1] b,
                  int activation, double alpha):
    """U = f(X[rows] @ W + b), pre = X[rows] @ W + b when given"""
    cdef bn_rows inputs = rows_of(X, values, W.shape[0])
    cdef int64_t m = U.shape[0], n = U.shape[1]
    require(W.shape[1] == n and b.shape[0] == n, "W, b and U disagree on the outputs")
    require(pre is None or (pre.shape[0] == m and pre.shape[1] == n), "pre's shape differs from U's")
    require(m == (inputs.n_rows if rows is None else rows.shape[0]), "U's rows differ from the input's")
    cdef floating *pre_ptr = NULL if pre is None else &pre[0, 0]
    cdef const int64_t *index = index_or_null(rows)
    cdef int status
    with nogil:
        if floating is float:
            status = bn_dense_forward_f32(&U[0, 0], pre_ptr, &inputs, index, &W[0, 0],
                                          &b[0], m, n, activation, <float>alpha)
        else:
            status = bn_dense_forward_f64(&U[0, 0], pre_ptr, &inputs, index, &W[0, 0],
                                          &b[0], m, n, activation, alpha)
    check(status)


def dense_backward(floating[:, ::1] dW, floating[::1] db, floating[:, ::1] dX,
                   const floating[:, ::1] dV, X, const floating[::1] values,
                   const int64_t[::1] rows, const floating[:, ::1] W):
    """dW = X[rows]^T dV, db = sum of dV's rows, dX = dV W^T when given"""
    cdef int64_t k = W.shape[0], n = W.shape[1], m = dV.shape[0]
    cdef bn_rows inputs = rows_of(X, values, k)
    require(dV.shape[1] == n, "dV's columns differ from W's")
    require(dW.shape[0] == k and dW.shape[1] == n and db.shape[0] == n, "dW or db has the wrong shape")
    require(dX is None or (dX.shape[0] == m and dX.shape[1] == k), "dX has the wrong shape")
    require(m == (inputs.n_rows if rows is None else rows.shape[0]), "dV's rows differ from the input's")
    cdef floating *dX_ptr = NULL if dX is None else &dX[0, 0]
    cdef const int64_t *index = index_or_null(rows)
    cdef int status
    with nogil:
        if floating is float:
            status = bn_dense_backward_f32(&dW[0, 0], &db[0], dX_ptr, &dV[0, 0], &inputs,
                                           index, &W[0, 0], m, n)
        else:
            status = bn_dense_backward_f64(&dW[0, 0], &db[0], dX_ptr, &dV[0, 0], &inputs,
                                           index, &W[0, 0], m, n)
    check(status)


include "_kernels_network.pxi"
include "_kernels_ready.pxi"
include "_kernels_runtime.pxi"
