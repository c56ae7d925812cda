# Included by _kernels.pyx: the bindings of the dense layer (csrc/network/dense.c).

def dense_forward(floating[:, ::1] U, floating[:, ::1] pre, const floating[::1] values,
                  const int64_t[::1] indptr, const int64_t[::1] indices, int64_t n_rows,
                  int64_t n_cols, const int64_t[::1] rows, const floating[:, ::1] W,
                  const floating[::1] b, int activation, double alpha):
    """U = f(X[rows] @ W + b), pre = X[rows] @ W + b when given"""
    cdef bn_rows inputs = rows_of(values, indptr, indices, n_rows, n_cols, W.shape[0])
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
                   const floating[:, ::1] dV, const floating[::1] values,
                   const int64_t[::1] indptr, const int64_t[::1] indices, int64_t n_rows,
                   int64_t n_cols, const int64_t[::1] rows, const floating[:, ::1] W):
    """dW = X[rows]^T dV, db = sum of dV's rows, dX = dV W^T when given"""
    cdef int64_t k = W.shape[0], n = W.shape[1], m = dV.shape[0]
    cdef bn_rows inputs = rows_of(values, indptr, indices, n_rows, n_cols, k)
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
