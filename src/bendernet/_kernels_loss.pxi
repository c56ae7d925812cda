# Included by _kernels.pyx: the bindings of the output layers and their losses
# (csrc/network/loss.c).

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
