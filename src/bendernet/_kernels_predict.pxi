# Included into _kernels.pyx: predict's plan, which runs a repeated predict of a plain array
# in one call from Python (shares check, require, activation_codes, net_of and check_buffers
# defined there and in _kernels_network.pxi).
#
# A one-row predict of a 64-100-10 network computes for well under a microsecond; each
# Python step around it (an attribute read, a call, a small tuple) costs tens of
# nanoseconds, and the steps of the general path (bendernet._base._forward_pass_fast) add
# up to several microseconds. Here they are the few C-level reads below. The loops over
# Python objects are glue (which objects a state is made of); the arithmetic stays in C.

from cpython.buffer cimport PyObject_GetBuffer, PyBuffer_Release, PyBUF_RECORDS_RO, PyBUF_WRITABLE
from libc.stdint cimport uintptr_t
from libc.stdlib cimport malloc, free

# The key of the plan in an estimator's cache of networks (its _networks, which fit empties)
PREDICT_PLAN = "predict plan"


def same_state(dict state, tuple record):
    """Whether the estimator whose __dict__ is state holds the very objects record (made
    by bendernet._fitted_state.state_record) was made of: record[0] names them, record[1]
    names those whose items follow when they are a list or a tuple, each run of items
    ended by a None."""
    return is_same_state(state, record)


cdef bint is_same_state(dict state, tuple record) except -1:
    cdef Py_ssize_t n = len(record), at
    if n < 2 or type(record[0]) is not tuple or type(record[1]) is not tuple:
        return False
    cdef tuple names = record[0], followed = record[1]
    at = 2
    for name in names:
        if at >= n or state.get(name) is not record[at]:
            return False
        at += 1
    for name in followed:
        value = state.get(name)
        if type(value) is list or type(value) is tuple:
            for item in value:
                if at >= n or item is not record[at]:
                    return False
                at += 1
            if at >= n or record[at] is not None:
                return False
            at += 1
    return at == n


cdef class PredictPlan:
    """What a predict found for a fitted state it checked (record, from
    bendernet._fitted_state.check_fitted) and an input dtype (x_dtype): the network and
    the flat parameters to run. With direct (the caller's word that the plan runs on the C
    backend, that the network computes in x_dtype and that there are no feature names to
    compare), it also runs an input that scikit-learn's check would pass through
    unchanged (planned_output); max_rows is the most
    rows it runs in one chunk, on the calling thread (larger inputs take the general path,
    where that path's cost is lost in the work)."""
    cdef readonly tuple record
    cdef readonly object x_dtype, network, flat
    cdef const int64_t[::1] units       # what net points into, held alive here
    cdef const int[::1] codes
    cdef bn_net net
    cdef const void *P
    cdef object dtype                   # the network's, of Y
    cdef bint direct, single
    cdef Py_ssize_t itemsize
    cdef char format                    # the buffer format of an X of dtype: 'f' or 'd'
    cdef int64_t max_rows, n_outputs

    def __init__(self, tuple record, x_dtype, network, flat, bint direct, int64_t max_rows):
        self.record, self.x_dtype, self.network, self.flat = record, x_dtype, network, flat
        self.units = network.units
        self.codes = activation_codes(network.activation, self.units)
        self.net = net_of(self.units, self.codes, network.output, 0)
        self.n_outputs = self.units[self.units.shape[0] - 1]
        self.dtype = flat.dtype
        self.single = single_precision(self.dtype)
        self.itemsize = 4 if self.single else 8
        self.format = b'f' if self.single else b'd'
        if self.single:
            self.P = bound_parameters[float](&self.net, flat)
        else:
            self.P = bound_parameters[double](&self.net, flat)
        self.direct = direct
        require(max_rows >= 1, "max_rows must be at least 1")
        self.max_rows = max_rows

    def __reduce__(self):
        # a copy (copy.deepcopy of an estimator's caches) is made afresh from the same parts
        return PredictPlan, (self.record, self.x_dtype, self.network, self.flat, self.direct,
                             self.max_rows)

    cdef bint serves(self, const Py_buffer *x) noexcept:
        """Whether X (its buffer x) is what scikit-learn's check would pass through unchanged
        (but for its values, which the C predict checks): 2-D, of the network's precision in
        the machine's byte order, C-contiguous and aligned, of a width the network takes,
        with at least one row; and at most max_rows rows."""
        return (x.ndim == 2 and x.format != NULL and x.format[0] == self.format and
                x.format[1] == 0 and x.itemsize == self.itemsize and
                1 <= x.shape[0] <= self.max_rows and x.shape[1] == self.net.units[0] and
                x.strides[1] == self.itemsize and
                (x.shape[0] == 1 or x.strides[0] == x.shape[1] * self.itemsize) and
                (<uintptr_t>x.buf) % self.itemsize == 0)

    cdef object output(self, dict state, X):
        """Y for X, or None where the plan does not serve X or the state is no longer the
        one it was made for, or X holds a NaN or an infinity (which scikit-learn's check
        then reports, or under assume_finite lets through)."""
        if not self.direct or type(X) is not _ndarray or not is_same_state(state, self.record):
            return None
        cdef Py_buffer x
        try:
            PyObject_GetBuffer(X, &x, PyBUF_RECORDS_RO)
        except (BufferError, ValueError, TypeError):   # e.g. a dtype with no buffer format
            return None
        try:
            return self.run(&x) if self.serves(&x) else None
        finally:
            PyBuffer_Release(&x)

    cdef object run(self, const Py_buffer *x):
        cdef int64_t n_rows = x.shape[0], workspace_len
        cdef bn_rows rows
        rows.values = x.buf
        rows.row_stride = x.shape[1]
        rows.n_rows = n_rows
        rows.n_cols = x.shape[1]
        rows.indptr = NULL
        rows.indices = NULL
        check(bn_workspace_len_f64(&workspace_len, &self.net, n_rows))
        Y = _empty((n_rows, self.n_outputs), self.dtype)
        cdef Py_buffer y
        PyObject_GetBuffer(Y, &y, PyBUF_WRITABLE)     # (a new array: C-contiguous)
        cdef void *workspace = malloc(<size_t>workspace_len * self.itemsize)
        cdef int status = BN_ENOMEM
        if workspace != NULL:
            with nogil:
                if self.single:
                    status = bn_predict_f32(<float *>y.buf, <float *>workspace, 1,
                                            <const float *>self.P, &self.net, &rows, n_rows, 1)
                else:
                    status = bn_predict_f64(<double *>y.buf, <double *>workspace, 1,
                                            <const double *>self.P, &self.net, &rows, n_rows, 1)
            free(workspace)
        PyBuffer_Release(&y)
        if status == BN_ENONFINITE:
            return None
        check(status)
        return Y


cdef const void *bound_parameters(const bn_net *net, const floating[::1] P) except NULL:
    """P's data, after checking that it is as long as net's parameters"""
    cdef int64_t count
    check(bn_param_count_f64(&count, net))
    require(P.shape[0] == count, "parameter buffer has the wrong length")
    return &P[0]


def planned_output(estimator, X):
    """The output of the estimator's network for X (a new array), by the plan an earlier
    predict of the estimator made (PREDICT_PLAN in its _networks); None where there is
    none or it does not serve X (PredictPlan.output), for the general path to decide."""
    cdef dict state = estimator.__dict__
    networks = state.get("_networks")
    if type(networks) is not dict:
        return None
    plan = (<dict>networks).get(PREDICT_PLAN)
    if type(plan) is not PredictPlan:
        return None
    return (<PredictPlan>plan).output(state, X)
