# Included by _kernels.pyx: the bindings of the matrix product (csrc/gemm/), and ops' fast
# path to it.

from cpython.buffer cimport PyObject_GetBuffer, PyBuffer_Release, PyBUF_RECORDS_RO

# ---- gemm ------------------------------------------------------------------------------

#: Every micro-kernel of the matrix product, whether or not this CPU runs it.
GEMM_KERNELS = ("portable", "avx2", "avx512")


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


# ---- ops' fast path ---------------------------------------------------------------------
# A product of small layers takes a few microseconds, so the microsecond memoryviews and
# fused-type dispatch cost matters: here the operands are read through the buffer protocol
# (their precision from the buffer's format), and anything unusual is left to the general
# path above, which converts it and names what is wrong.

cdef object _ndarray = numpy.ndarray
cdef object _empty = numpy.empty


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
