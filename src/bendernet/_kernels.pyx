# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Glue between NumPy arrays and the C core: memoryviews become pointers and sizes, the
shapes that protect memory are checked here, and every C call runs without the GIL.
No arithmetic lives in this file."""

from libc.stdint cimport int64_t
from cython cimport floating


cdef extern from "bendernet.h" nogil:
    enum:
        BN_OK, BN_EINVAL, BN_ENOMEM, BN_PRELU

    ctypedef struct bn_net:
        int64_t n_layers
        const int64_t *units
        int activation
        int output
        double l2

    ctypedef struct bn_optim:
        int solver
        double learning_rate, momentum
        int nesterov
        double beta1, beta2, epsilon

    ctypedef struct bn_rows:
        const void *values
        ptrdiff_t row_stride
        const int64_t *indptr
        const int64_t *indices
        int64_t n_rows, n_cols

    int bn_index_check(const int64_t *rows, int64_t m, int64_t n_rows)

    int bn_gemm_f32(float *C, ptrdiff_t c_rs, ptrdiff_t c_cs,
                    const float *A, ptrdiff_t a_rs, ptrdiff_t a_cs, const int64_t *a_rows,
                    const float *B, ptrdiff_t b_rs, ptrdiff_t b_cs, const int64_t *b_rows,
                    int64_t m, int64_t n, int64_t k, float beta)
    int bn_gemm_f64(double *C, ptrdiff_t c_rs, ptrdiff_t c_cs,
                    const double *A, ptrdiff_t a_rs, ptrdiff_t a_cs, const int64_t *a_rows,
                    const double *B, ptrdiff_t b_rs, ptrdiff_t b_cs, const int64_t *b_rows,
                    int64_t m, int64_t n, int64_t k, double beta)

    int bn_activation_forward_f32(float *out, const float *x, int64_t N, int act, float alpha)
    int bn_activation_forward_f64(double *out, const double *x, int64_t N, int act, double alpha)
    int bn_activation_derivative_f32(float *out, const float *x, int64_t N, int act, float alpha)
    int bn_activation_derivative_f64(double *out, const double *x, int64_t N, int act,
                                     double alpha)
    int bn_activation_backward_f32(float *delta, const float *out, const float *pre, int64_t N,
                                   int act, float alpha)
    int bn_activation_backward_f64(double *delta, const double *out, const double *pre,
                                   int64_t N, int act, double alpha)
    float bn_prelu_slope_grad_f32(const float *dU, const float *V, int64_t N)
    double bn_prelu_slope_grad_f64(const double *dU, const double *V, int64_t N)

    int bn_output_forward_f32(float *Z, int64_t m, int64_t n, int output)
    int bn_output_forward_f64(double *Z, int64_t m, int64_t n, int output)
    int bn_output_loss_f32(double *loss, float *delta, const float *P, const float *T,
                           const float *sw, const int64_t *rows, int64_t m, int64_t n,
                           int output)
    int bn_output_loss_f64(double *loss, double *delta, const double *P, const double *T,
                           const double *sw, const int64_t *rows, int64_t m, int64_t n,
                           int output)

    void bn_sgd_step_f32(float *P, float *V, const float *G, int64_t N, float lr,
                         float momentum, int nesterov)
    void bn_sgd_step_f64(double *P, double *V, const double *G, int64_t N, double lr,
                         double momentum, int nesterov)
    void bn_adam_step_f32(float *P, float *M, float *V, const float *G, int64_t N,
                          double lr_t, double beta1, double beta2, double epsilon)
    void bn_adam_step_f64(double *P, double *M, double *V, const double *G, int64_t N,
                          double lr_t, double beta1, double beta2, double epsilon)

    int bn_rows_check_f32(const bn_rows *X, int64_t n_values)
    int bn_rows_check_f64(const bn_rows *X, int64_t n_values)
    int bn_dense_forward_f32(float *U, float *pre, const bn_rows *X, const int64_t *rows,
                             const float *W, const float *b, int64_t m, int64_t n,
                             int activation, float alpha)
    int bn_dense_forward_f64(double *U, double *pre, const bn_rows *X, const int64_t *rows,
                             const double *W, const double *b, int64_t m, int64_t n,
                             int activation, double alpha)
    int bn_dense_backward_f32(float *dW, float *db, float *dX, const float *dV,
                              const bn_rows *X, const int64_t *rows, const float *W,
                              int64_t m, int64_t n)
    int bn_dense_backward_f64(double *dW, double *db, double *dX, const double *dV,
                              const bn_rows *X, const int64_t *rows, const double *W,
                              int64_t m, int64_t n)

    int64_t bn_param_count_f64(const bn_net *net)
    int64_t bn_workspace_len_f64(const bn_net *net, int64_t m)
    int bn_loss_grad_f32(double *loss, float *G, float *workspace, const float *P,
                         const bn_net *net, const bn_rows *X, const float *T, const float *sw,
                         const int64_t *rows, int64_t m)
    int bn_loss_grad_f64(double *loss, double *G, double *workspace, const double *P,
                         const bn_net *net, const bn_rows *X, const double *T,
                         const double *sw, const int64_t *rows, int64_t m)
    int bn_train_epoch_f32(float *P, float *state1, float *state2, int64_t *step,
                           double *loss_sum, float *G, float *workspace, const bn_net *net,
                           const bn_optim *opt, const bn_rows *X, const float *T,
                           const float *sw, const int64_t *order, int64_t n_order,
                           int64_t batch_size)
    int bn_train_epoch_f64(double *P, double *state1, double *state2, int64_t *step,
                           double *loss_sum, double *G, double *workspace, const bn_net *net,
                           const bn_optim *opt, const bn_rows *X, const double *T,
                           const double *sw, const int64_t *order, int64_t n_order,
                           int64_t batch_size)
    int bn_predict_f32(float *Y, float *workspace, const float *P, const bn_net *net,
                       const bn_rows *X, int64_t chunk_rows)
    int bn_predict_f64(double *Y, double *workspace, const double *P, const bn_net *net,
                       const bn_rows *X, int64_t chunk_rows)


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


# ---- gemm ------------------------------------------------------------------------------

def gemm(floating[:, :] C, const floating[:, :] A, const floating[:, :] B, double beta=0,
         const int64_t[::1] a_rows=None, const int64_t[::1] b_rows=None):
    """C = beta*C + A[a_rows] @ B[b_rows], any strides."""
    cdef int64_t m = C.shape[0], n = C.shape[1], k = A.shape[1]
    cdef int64_t size = sizeof(floating)
    # the C core counts strides in elements; NumPy allows byte strides that are not
    require(C.strides[0] % size == 0 and C.strides[1] % size == 0 and
            A.strides[0] % size == 0 and A.strides[1] % size == 0 and
            B.strides[0] % size == 0 and B.strides[1] % size == 0,
            "strides must be whole elements")
    require(B.shape[1] == n, "B's columns differ from C's")
    require((A.shape[0] if a_rows is None else a_rows.shape[0]) == m, "A's rows differ from C's")
    require((B.shape[0] if b_rows is None else b_rows.shape[0]) == k, "B's rows differ from A's columns")
    if a_rows is not None:
        check(bn_index_check(index_or_null(a_rows), m, A.shape[0]))
    if b_rows is not None:
        check(bn_index_check(index_or_null(b_rows), k, B.shape[0]))
    cdef const int64_t *a_index = index_or_null(a_rows)
    cdef const int64_t *b_index = index_or_null(b_rows)
    cdef int status
    with nogil:
        if floating is float:
            status = bn_gemm_f32(&C[0, 0], C.strides[0] // size, C.strides[1] // size,
                                 &A[0, 0], A.strides[0] // size, A.strides[1] // size,
                                 a_index,
                                 &B[0, 0], B.strides[0] // size, B.strides[1] // size,
                                 b_index, m, n, k, <float>beta)
        else:
            status = bn_gemm_f64(&C[0, 0], C.strides[0] // size, C.strides[1] // size,
                                 &A[0, 0], A.strides[0] // size, A.strides[1] // size,
                                 a_index,
                                 &B[0, 0], B.strides[0] // size, B.strides[1] // size,
                                 b_index, m, n, k, beta)
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


# ---- the network ---------------------------------------------------------------------------

def param_count(const int64_t[::1] units, int activation):
    """length of the flat parameter buffer"""
    cdef bn_net net = net_of(units, activation, 0, 0)
    return bn_param_count_f64(&net)


def workspace_len(const int64_t[::1] units, int activation, int64_t m):
    """reals of workspace for a batch of m rows"""
    cdef bn_net net = net_of(units, activation, 0, 0)
    require(m >= 0, "negative batch size")
    cdef int64_t length = bn_workspace_len_f64(&net, m)
    require(length >= 0, "the workspace would not fit in memory")
    return length


cdef int check_buffers(const bn_net *net, Py_ssize_t n_params, Py_ssize_t n_workspace,
                       int64_t m) except -1:
    require(n_params == bn_param_count_f64(net), "parameter buffer has the wrong length")
    # a negative length is BN_EINVAL (the count overflowed), which any buffer would "pass"
    cdef int64_t needed = bn_workspace_len_f64(net, m)
    require(needed >= 0 and n_workspace >= needed, "workspace too small")
    return 0


cdef int check_targets(const bn_net *net, int64_t n_rows, Py_ssize_t t_rows, Py_ssize_t t_cols,
                       Py_ssize_t sw_len) except -1:
    require(t_rows == n_rows and t_cols == net.units[net.n_layers], "targets have the wrong shape")
    require(sw_len < 0 or sw_len == n_rows, "sample_weight has the wrong length")
    return 0


def loss_grad(floating[::1] G, floating[::1] workspace, const floating[::1] P,
              const int64_t[::1] units, int activation, int output, double l2,
              X, const floating[::1] values, const floating[:, ::1] T, const floating[::1] sw):
    """loss and gradient G of every row of X at parameters P"""
    cdef bn_net net = net_of(units, activation, output, l2)
    cdef bn_rows inputs = rows_of(X, values, units[0])
    check_buffers(&net, P.shape[0], workspace.shape[0], inputs.n_rows)
    require(G.shape[0] == P.shape[0], "gradient buffer has the wrong length")
    check_targets(&net, inputs.n_rows, T.shape[0], T.shape[1], -1 if sw is None else sw.shape[0])
    cdef const floating *sw_ptr = NULL if sw is None else &sw[0]
    cdef double loss = 0
    cdef int status
    with nogil:
        if floating is float:
            status = bn_loss_grad_f32(&loss, &G[0], &workspace[0], &P[0], &net, &inputs, &T[0, 0],
                                      sw_ptr, NULL, inputs.n_rows)
        else:
            status = bn_loss_grad_f64(&loss, &G[0], &workspace[0], &P[0], &net, &inputs, &T[0, 0],
                                      sw_ptr, NULL, inputs.n_rows)
    check(status)
    return loss


def train_epoch(floating[::1] P, floating[::1] state1, floating[::1] state2,
                int64_t[::1] step, floating[::1] G, floating[::1] workspace,
                const int64_t[::1] units, int activation, int output, double l2,
                int solver, double learning_rate, double momentum, bint nesterov,
                double beta1, double beta2, double epsilon,
                X, const floating[::1] values, const floating[:, ::1] T, const floating[::1] sw,
                const int64_t[::1] order, int64_t batch_size):
    """One epoch of mini-batch training in place on P; returns the size-weighted loss sum."""
    cdef bn_net net = net_of(units, activation, output, l2)
    cdef bn_rows inputs = rows_of(X, values, units[0])
    require(batch_size >= 1, "batch_size must be at least 1")
    check_buffers(&net, P.shape[0], workspace.shape[0], min(batch_size, order.shape[0]))
    require(G.shape[0] == P.shape[0] and state1.shape[0] == P.shape[0] and
            state2.shape[0] == P.shape[0], "optimizer buffers have the wrong length")
    require(step.shape[0] == 1, "step must hold one counter")
    check_targets(&net, inputs.n_rows, T.shape[0], T.shape[1], -1 if sw is None else sw.shape[0])
    cdef bn_optim opt
    opt.solver = solver
    opt.learning_rate = learning_rate
    opt.momentum = momentum
    opt.nesterov = nesterov
    opt.beta1 = beta1
    opt.beta2 = beta2
    opt.epsilon = epsilon
    cdef const floating *sw_ptr = NULL if sw is None else &sw[0]
    cdef double loss_sum = 0
    cdef int status
    with nogil:
        if floating is float:
            status = bn_train_epoch_f32(&P[0], &state1[0], &state2[0], &step[0], &loss_sum,
                                        &G[0], &workspace[0], &net, &opt, &inputs, &T[0, 0], sw_ptr,
                                        &order[0], order.shape[0], batch_size)
        else:
            status = bn_train_epoch_f64(&P[0], &state1[0], &state2[0], &step[0], &loss_sum,
                                        &G[0], &workspace[0], &net, &opt, &inputs, &T[0, 0], sw_ptr,
                                        &order[0], order.shape[0], batch_size)
    check(status)
    return loss_sum


def predict(floating[:, ::1] Y, floating[::1] workspace, const floating[::1] P,
            const int64_t[::1] units, int activation, int output,
            X, const floating[::1] values, int64_t chunk_rows):
    """Y = the network's output for every row of X"""
    cdef bn_net net = net_of(units, activation, output, 0)
    cdef bn_rows inputs = rows_of(X, values, units[0])
    require(chunk_rows >= 1, "chunk_rows must be at least 1")
    check_buffers(&net, P.shape[0], workspace.shape[0], chunk_rows)
    require(Y.shape[0] == inputs.n_rows and Y.shape[1] == units[units.shape[0] - 1], "Y has the wrong shape")
    cdef int status
    with nogil:
        if floating is float:
            status = bn_predict_f32(&Y[0, 0], &workspace[0], &P[0], &net, &inputs, chunk_rows)
        else:
            status = bn_predict_f64(&Y[0, 0], &workspace[0], &P[0], &net, &inputs, chunk_rows)
    check(status)
