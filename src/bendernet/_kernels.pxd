# The C core's API (csrc/bendernet.h) as Cython sees it, both precisions (_f32 and _f64);
# Cython reads this file into _kernels.pyx, its namesake.

from libc.stdint cimport int64_t


cdef extern from "bendernet.h" nogil:
    enum:
        BN_OK, BN_EINVAL, BN_ENOMEM, BN_ENONFINITE

    # the names and codes Python writes once, in bendernet/_codes.py (checked by a test)
    enum:
        BN_IDENTITY, BN_STEP, BN_LOGISTIC, BN_TANH, BN_ARCTAN, BN_RELU, BN_PRELU, BN_ELU,
        BN_SOFTPLUS, BN_N_ACTIVATIONS
    enum:
        BN_OUT_IDENTITY, BN_OUT_LOGISTIC, BN_OUT_SOFTMAX, BN_OUT_EXP, BN_N_OUTPUTS
    enum:
        BN_N_OPTIMIZERS
    enum:
        BN_FIELD_HYPER, BN_FIELD_BUFFER, BN_FIELD_COUNTER

    ctypedef struct bn_net:
        int64_t n_layers
        const int64_t *units
        const int *activations
        int output
        double l2

    # an optimizer's hyper-parameters and state: filled by name through bn_optimizer_fields
    ctypedef struct bn_hyper:
        pass
    ctypedef struct bn_state_f32:
        pass
    ctypedef struct bn_state_f64:
        pass
    ctypedef struct bn_optimizer_f32:
        int solver
        bn_hyper hyper
        bn_state_f32 state
    ctypedef struct bn_optimizer_f64:
        int solver
        bn_hyper hyper
        bn_state_f64 state

    ctypedef struct bn_field:
        const char *name
        int kind
        size_t offset

    const char *const bn_optimizer_names[]
    const bn_field *bn_optimizer_fields(int solver)

    ctypedef struct bn_rows:
        const void *values
        ptrdiff_t row_stride
        const int64_t *indptr
        const int64_t *indices
        int64_t n_rows, n_cols

    int bn_index_check(const int64_t *rows, int64_t m, int64_t n_rows)
    int bn_max_threads()
    int64_t bn_core_round_trip()
    int bn_fma_peak(double *flops_per_second, int is_double, int threads, double seconds)
    void bn_alloc_fail_at(int64_t n)
    int64_t bn_alloc_made()
    int64_t bn_alloc_live()
    void bn_gemm_release_scratch_f32()
    void bn_gemm_release_scratch_f64()
    const char *bn_gemm_kernel_name()
    int bn_gemm_kernel_available(const char *name)
    int bn_gemm_select_kernel(const char *name)

    int bn_gemm_f32(float *C, ptrdiff_t c_rs, ptrdiff_t c_cs,
                    const float *A, ptrdiff_t a_rs, ptrdiff_t a_cs, const int64_t *a_rows,
                    const float *B, ptrdiff_t b_rs, ptrdiff_t b_cs, const int64_t *b_rows,
                    int64_t m, int64_t n, int64_t k, float beta)
    int bn_gemm_f64(double *C, ptrdiff_t c_rs, ptrdiff_t c_cs,
                    const double *A, ptrdiff_t a_rs, ptrdiff_t a_cs, const int64_t *a_rows,
                    const double *B, ptrdiff_t b_rs, ptrdiff_t b_cs, const int64_t *b_rows,
                    int64_t m, int64_t n, int64_t k, double beta)
    int bn_gemm_bias_activation_f32(float *C, float *pre, ptrdiff_t c_rs, ptrdiff_t c_cs,
                                    const float *A, ptrdiff_t a_rs, ptrdiff_t a_cs,
                                    const int64_t *a_rows,
                                    const float *B, ptrdiff_t b_rs, ptrdiff_t b_cs,
                                    const int64_t *b_rows, const float *bias,
                                    int64_t m, int64_t n, int64_t k, int activation, float alpha)
    int bn_gemm_bias_activation_f64(double *C, double *pre, ptrdiff_t c_rs, ptrdiff_t c_cs,
                                    const double *A, ptrdiff_t a_rs, ptrdiff_t a_cs,
                                    const int64_t *a_rows,
                                    const double *B, ptrdiff_t b_rs, ptrdiff_t b_cs,
                                    const int64_t *b_rows, const double *bias,
                                    int64_t m, int64_t n, int64_t k, int activation,
                                    double alpha)

    int bn_activation_forward_f32(float *out, const float *x, int64_t N, int act, float alpha)
    int bn_activation_forward_f64(double *out, const double *x, int64_t N, int act, double alpha)
    int bn_activation_derivative_f32(float *out, const float *x, int64_t N, int act, float alpha)
    int bn_activation_derivative_f64(double *out, const double *x, int64_t N, int act,
                                     double alpha)
    int bn_activation_backward_f32(float *delta, const float *out, const float *pre, int64_t N,
                                   int act, float alpha)
    int bn_activation_backward_f64(double *delta, const double *out, const double *pre,
                                   int64_t N, int act, double alpha)
    double bn_prelu_slope_grad_f32(const float *dU, const float *V, int64_t N)
    double bn_prelu_slope_grad_f64(const double *dU, const double *V, int64_t N)

    int bn_output_forward_f32(float *Z, int64_t m, int64_t n, int output)
    int bn_output_forward_f64(double *Z, int64_t m, int64_t n, int output)
    int bn_output_loss_f32(double *loss, float *delta, const float *P, const float *T,
                           const float *sw, const int64_t *rows, int64_t m, int64_t n,
                           int output)
    int bn_output_loss_f64(double *loss, double *delta, const double *P, const double *T,
                           const double *sw, const int64_t *rows, int64_t m, int64_t n,
                           int output)

    int bn_optimizer_step_f32(float *P, const float *G, int64_t N, const bn_optimizer_f32 *opt)
    int bn_optimizer_step_f64(double *P, const double *G, int64_t N,
                              const bn_optimizer_f64 *opt)

    int bn_rows_check_f32(const bn_rows *X, int64_t n_values)
    int bn_rows_check_f64(const bn_rows *X, int64_t n_values)
    int bn_all_finite_f32(const float *x, int64_t n)
    int bn_all_finite_f64(const double *x, int64_t n)
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

    int bn_param_count_f64(int64_t *count, const bn_net *net)
    int bn_workspace_len_f64(int64_t *len, const bn_net *net, int64_t m)
    int bn_loss_grad_f32(double *loss, float *G, float *workspace, const float *P,
                         const bn_net *net, const bn_rows *X, const float *T, const float *sw,
                         const int64_t *rows, int64_t m)
    int bn_loss_grad_f64(double *loss, double *G, double *workspace, const double *P,
                         const bn_net *net, const bn_rows *X, const double *T,
                         const double *sw, const int64_t *rows, int64_t m)
    int bn_train_epoch_f32(double *loss_sum, float *P, float *G, float *workspace,
                           const bn_net *net, const bn_optimizer_f32 *opt, const bn_rows *X,
                           const float *T, const float *sw, const int64_t *order,
                           int64_t n_order, int64_t batch_size)
    int bn_train_epoch_f64(double *loss_sum, double *P, double *G, double *workspace,
                           const bn_net *net, const bn_optimizer_f64 *opt, const bn_rows *X,
                           const double *T, const double *sw, const int64_t *order,
                           int64_t n_order, int64_t batch_size)
    int bn_predict_f32(float *Y, float *workspace, int64_t n_workspaces, const float *P,
                       const bn_net *net, const bn_rows *X, int64_t chunk_rows,
                       int check_finite)
    int bn_predict_f64(double *Y, double *workspace, int64_t n_workspaces, const double *P,
                       const bn_net *net, const bn_rows *X, int64_t chunk_rows,
                       int check_finite)


# The C core's thread-placement decision (csrc/runtime/pool.h), for tests to feed it, and
# its loop dealing tasks in shares, for tests to follow who ran what
cdef extern from "runtime/pool.h" nogil:
    bint bn_far_apart_after(bint was_far_apart, int64_t round_trip, int64_t limit)
    int bn_threads_for_product(int wanted, bint in_chain, bint far_apart)
    int bn_usable_cpus()
    int bn_threads_within(int limit, int usable)
    ctypedef void (*bn_task)(void *context, int64_t task, int worker) noexcept nogil
    void bn_parallel_for_by_shares(int64_t n_tasks, int n_workers, bn_task run, void *context)
