# ops' fast path (included by _kernels.pyx). A product of small layers takes a few
# microseconds, so the microsecond memoryviews and fused-type dispatch cost matters: here
# the operands are read through the buffer protocol, and anything unusual is left to the
# general path, which converts it and names what is wrong.

from cpython.buffer cimport PyObject_GetBuffer, PyBuffer_Release, PyBUF_RECORDS_RO

import numpy

cdef object _ndarray = numpy.ndarray
cdef object _empty = numpy.empty
cdef object _float32 = numpy.dtype(numpy.float32)
cdef object _float64 = numpy.dtype(numpy.float64)


cdef struct matrix:
    void *data
    Py_ssize_t rows, cols      # a vector has rows == 1
    ptrdiff_t rs, cs           # element strides
    char kind                  # b'f' (float32) or b'd' (float64)


cdef bint get_buffer(object x, Py_buffer *buffer, int ndim) except -1:
    """Whether x is an ndarray of ndim dimensions in native float32 or float64, aligned
    with strides in whole elements; if so, buffer holds its buffer (to be released)."""
    if type(x) is not _ndarray:
        return False
    try:
        PyObject_GetBuffer(x, buffer, PyBUF_RECORDS_RO)
    except (BufferError, ValueError):   # a dtype without a buffer format (datetime, ...)
        return False
    # NumPy writes a bare "d" or "f" only for a native, aligned float64 or float32
    cdef bytes fmt = buffer.format
    if buffer.ndim == ndim and fmt in (b"d", b"f"):
        if all_whole_elements(buffer):
            return True
    PyBuffer_Release(buffer)
    return False


cdef bint all_whole_elements(const Py_buffer *buffer) noexcept:
    if <size_t>buffer.buf % <size_t>buffer.itemsize:
        return False
    for d in range(buffer.ndim):
        if buffer.strides[d] % buffer.itemsize:
            return False
    return True


cdef matrix matrix_of(const Py_buffer *buffer) noexcept:
    cdef matrix M
    M.data = buffer.buf
    M.kind = buffer.format[0]
    if buffer.ndim == 1:
        M.rows, M.cols, M.rs, M.cs = 1, buffer.shape[0], 0, buffer.strides[0] // buffer.itemsize
    else:
        M.rows, M.cols = buffer.shape[0], buffer.shape[1]
        M.rs = buffer.strides[0] // buffer.itemsize
        M.cs = buffer.strides[1] // buffer.itemsize
    return M


def ready_product(A, B, bias=None, int activation=-1, double alpha=0):
    """f(A @ B + bias) as a new C-contiguous array when A and B (and bias, if given) are
    ndarrays the kernels read as they are: 2-D (bias 1-D and contiguous), one float dtype,
    matching sizes. Else None, for the general path. activation < 0 applies none."""
    cdef Py_buffer a_buffer, b_buffer, bias_buffer
    if not get_buffer(A, &a_buffer, 2):
        return None
    try:
        if not get_buffer(B, &b_buffer, 2):
            return None
        try:
            if bias is None:
                return run_ready_product(matrix_of(&a_buffer), matrix_of(&b_buffer), NULL,
                                         activation, alpha)
            if not get_buffer(bias, &bias_buffer, 1):
                return None
            try:
                return run_ready_product(matrix_of(&a_buffer), matrix_of(&b_buffer),
                                         &bias_buffer, activation, alpha)
            finally:
                PyBuffer_Release(&bias_buffer)
        finally:
            PyBuffer_Release(&b_buffer)
    finally:
        PyBuffer_Release(&a_buffer)


cdef object run_ready_product(matrix A, matrix B, const Py_buffer *bias_buffer,
                              int activation, double alpha):
    cdef matrix bias
    if A.kind != B.kind or A.cols != B.rows:
        return None
    if bias_buffer is not NULL:
        bias = matrix_of(bias_buffer)
        if bias.kind != A.kind or bias.cols != B.cols or (bias.cols > 1 and bias.cs != 1):
            return None
    C = _empty((A.rows, B.cols), dtype=_float32 if A.kind == b"f" else _float64)
    cdef Py_buffer c_buffer
    PyObject_GetBuffer(C, &c_buffer, PyBUF_RECORDS_RO)
    cdef void *c = c_buffer.buf
    PyBuffer_Release(&c_buffer)   # C itself keeps the memory
    cdef int64_t m = A.rows, n = B.cols, k = A.cols
    cdef const void *bias_data = NULL if bias_buffer is NULL else bias.data
    cdef bint plain = bias_data is NULL and activation < 0
    cdef int status
    with nogil:
        if A.kind == b"f" and plain:
            status = bn_gemm_f32(<float *>c, n, 1, <const float *>A.data, A.rs, A.cs, NULL,
                                 <const float *>B.data, B.rs, B.cs, NULL, m, n, k, 0)
        elif A.kind == b"f":
            status = bn_gemm_bias_activation_f32(
                <float *>c, NULL, n, 1, <const float *>A.data, A.rs, A.cs, NULL,
                <const float *>B.data, B.rs, B.cs, NULL, <const float *>bias_data, m, n, k,
                activation, <float>alpha)
        elif plain:
            status = bn_gemm_f64(<double *>c, n, 1, <const double *>A.data, A.rs, A.cs, NULL,
                                 <const double *>B.data, B.rs, B.cs, NULL, m, n, k, 0)
        else:
            status = bn_gemm_bias_activation_f64(
                <double *>c, NULL, n, 1, <const double *>A.data, A.rs, A.cs, NULL,
                <const double *>B.data, B.rs, B.cs, NULL, <const double *>bias_data, m, n, k,
                activation, alpha)
    check(status)
    return C
