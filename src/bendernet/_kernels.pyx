# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Glue between NumPy arrays and the C core: memoryviews become pointers and sizes, the
shapes that protect memory are checked here, and every C call runs without the GIL.
No arithmetic lives in this file or the .pxi files it includes, one per layer of the core:
_kernels_gemm.pxi (the matrix product, and ops' fast path to it),
_kernels_activations.pxi, _kernels_loss.pxi, _kernels_optimizers.pxi,
_kernels_dense.pxi and _kernels_network.pxi (the network of csrc/network/),
_kernels_predict.pxi (predict's plan: a repeated predict in one call),
_kernels_runtime.pxi (the threads' placement, csrc/runtime/).

A layer input X crosses as five arguments, which bendernet._network.layer_input makes:
values (the row-major numbers when dense, the nonzeros when CSR), indptr and indices
(None when dense; int64), n_rows and n_cols. A network's activation is one code for every
hidden layer or one per hidden layer (see bendernet._codes.layer_codes)."""

from libc.stdint cimport int64_t
from cython cimport floating

import numpy

import bendernet._threadpool   # registers bendernet's threads with threadpoolctl
from bendernet._codes import layer_codes

cdef object _float32 = numpy.dtype(numpy.float32)
cdef object _float64 = numpy.dtype(numpy.float64)
cdef object _intc = numpy.dtype(numpy.intc)


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


cdef bint single_precision(object dtype) except -1:
    """Whether buffers of dtype run the float (_f32) kernels rather than the double ones:
    the one test of precision for buffers that are not typed (typed ones branch on
    `floating is float`)."""
    require(dtype == _float32 or dtype == _float64,
            f"buffers must be float32 or float64, not {dtype}")
    return dtype == _float32


cdef const int64_t *index_or_null(const int64_t[::1] rows):
    return NULL if rows is None else &rows[0]


cdef bn_rows rows_of(const floating[::1] values, const int64_t[::1] indptr,
                     const int64_t[::1] indices, int64_t n_rows, int64_t n_cols,
                     int64_t n_expected) except *:
    """The C view of a layer input (see the module's docstring), dense or CSR; n_expected
    is the number of columns the layer reads."""
    cdef bn_rows rows
    require(values is not None, "a layer input needs its values")
    require(n_cols == n_expected, f"input has {n_cols} columns, the network expects {n_expected}")
    require(n_rows >= 0, "input has a negative number of rows")
    rows.values = &values[0]
    rows.row_stride = n_cols
    rows.n_rows = n_rows
    rows.n_cols = n_cols
    rows.indptr = NULL
    rows.indices = NULL
    if indptr is None:
        require(indices is None, "a dense input has no indices")
        # as Python ints: n_rows * n_cols in int64 could wrap to the length of a short buffer
        require(values.shape[0] == (<object>n_rows) * n_cols, "input values do not fill its shape")
        return rows
    require(indices is not None, "a CSR input needs its indices")
    require(indptr.shape[0] == n_rows + 1, "malformed CSR input")
    rows.indptr = &indptr[0]
    rows.indices = &indices[0]
    cdef int64_t n_values = min(values.shape[0], indices.shape[0])
    if floating is float:
        check(bn_rows_check_f32(&rows, n_values))
    else:
        check(bn_rows_check_f64(&rows, n_values))
    return rows


cdef const int[::1] activation_codes(object activation, const int64_t[::1] units) except *:
    """activation as the C core reads it: one int code per hidden layer, as a memoryview
    (which keeps its array alive while the bn_net that points into it is in use, and which
    net_of then takes without a second buffer request: a one-row predict pays for each).
    A Network's array of codes passes as it is."""
    cdef Py_ssize_t n_hidden = max(units.shape[0] - 2, 0)
    cdef const int[::1] codes = None
    if not (type(activation) is numpy.ndarray and activation.dtype == _intc):
        try:
            activation = numpy.array(layer_codes(activation, n_hidden), dtype=_intc)
        except OverflowError:
            require(False, "an activation code out of range")
    try:    # (the buffer request checks the dtype and that the array is 1-D and contiguous)
        codes = activation
    except ValueError:
        pass
    require(codes is not None and codes.shape[0] == n_hidden,
            f"one activation code per hidden layer: {n_hidden}")
    return codes


cdef bn_net net_of(const int64_t[::1] units, const int[::1] codes, int output,
                   double l2) except *:
    """The C view of a network; codes from activation_codes"""
    cdef bn_net net
    require(units.shape[0] >= 2, "a network needs at least an input and an output layer")
    net.n_layers = units.shape[0] - 1
    net.units = &units[0]
    net.activations = &codes[0] if codes.shape[0] else NULL
    net.output = output
    net.l2 = l2
    cdef int64_t count
    require(bn_param_count_f64(&count, &net) == BN_OK, "invalid network description")
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


def max_threads():
    """Threads the C core may use: OpenMP's limit (OMP_NUM_THREADS, or threadpoolctl's),
    at most the CPUs the process may run on (usable_cpus)."""
    return bn_max_threads()


def core_round_trip():
    """Nanoseconds a cache line takes from the calling thread's core to a pool thread's and
    back, measured now; -1 without a second thread or an answer. Far apart (above
    BENDERNET_FAR_ROUND_TRIP_NS, default 150), products use one thread."""
    cdef int64_t round_trip
    with nogil:
        round_trip = bn_core_round_trip()
    return round_trip


def compiled_codes():
    """The C core's enum values, under the names bendernet._codes gives them (a test
    compares the two, name by name)."""
    return {
        "activations": {"identity": BN_IDENTITY, "step": BN_STEP, "logistic": BN_LOGISTIC,
                        "tanh": BN_TANH, "arctan": BN_ARCTAN, "relu": BN_RELU,
                        "prelu": BN_PRELU, "elu": BN_ELU, "softplus": BN_SOFTPLUS},
        "n_activations": BN_N_ACTIVATIONS,
        "outputs": {"identity": BN_OUT_IDENTITY, "logistic": BN_OUT_LOGISTIC,
                    "softmax": BN_OUT_SOFTMAX, "exp": BN_OUT_EXP},
        "n_outputs": BN_N_OUTPUTS,
    }


include "_kernels_gemm.pxi"
include "_kernels_activations.pxi"
include "_kernels_loss.pxi"
include "_kernels_dense.pxi"
include "_kernels_optimizers.pxi"
include "_kernels_network.pxi"
include "_kernels_predict.pxi"
include "_kernels_runtime.pxi"
